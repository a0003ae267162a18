"""Sign-in cannot be flooded nor used to lock people out: failures are counted in the
database (every replica sees them) per user name and address, per address and in all;
password checks run a few at a time; the client's address is the peer's unless a trusted
proxy forwards it. On each database.

Service-level tests sign in at a moment of their own far in the future, so that the
failures of other tests (the database is shared) are outside their windows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from casework.processes import api_server_config
from casework.settings import Settings
from services.db import transaction
from services.kernel.actors import Role
from services.kernel.errors import DomainError
from services.users import accounts
from services.users.errors import NotSignedIn, SignInBusy, TooManyAttempts
from services.users.model import User
from services.users.records import SignInFailureRecord
from services.users.signin import PasswordChecks, SignInGuard, SignInLimits, sign_in

SECRET = "test-token-secret-0123456789abcdefghijkl"
PASSWORD = "correct horse battery"
WINDOW = timedelta(seconds=300)


def _moment() -> datetime:
    """A moment no other test signs in near."""
    return datetime(2100, 1, 1, tzinfo=UTC) + timedelta(hours=uuid.uuid4().int % 10**6)


def _guard(
    per_user_address: int = 3, per_address: int = 5, overall: int = 1000, concurrency: int = 2
) -> SignInGuard:
    return SignInGuard(
        limits=SignInLimits(
            per_user_address=per_user_address,
            per_address=per_address,
            overall=overall,
            window=WINDOW,
        ),
        checks=PasswordChecks(concurrency=concurrency, waiting=0),
    )


def _user(session_factory: sessionmaker[Session]) -> User:
    user = User(username=f"s-{uuid.uuid4().hex[:10]}", role=Role.STAFF, centre="north")
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password=PASSWORD)
    return user


def _sign_in(
    session_factory: sessionmaker[Session],
    guard: SignInGuard,
    username: str,
    password: str,
    address: str,
    now: datetime,
) -> User:
    """As the API does it: a refusal's record is committed, then the refusal raised."""
    with session_factory() as session:
        try:
            user = sign_in(
                session=session,
                guard=guard,
                username=username,
                password=password,
                address=address,
                now=now,
            )
        except DomainError:
            session.commit()
            raise
        session.commit()
        return user


def _refusal(
    session_factory: sessionmaker[Session],
    guard: SignInGuard,
    username: str,
    password: str,
    address: str,
    now: datetime,
) -> DomainError:
    with pytest.raises(DomainError) as refused:
        _sign_in(session_factory, guard, username, password, address, now)
    return refused.value


def test_a_flood_of_random_user_names_from_one_address_is_limited_there_only(
    session_factory: sessionmaker[Session],
) -> None:
    guard, now, victim = _guard(per_address=5), _moment(), _user(session_factory)
    for _ in range(5):
        ghost = f"ghost-{uuid.uuid4().hex[:8]}"
        refused = _refusal(session_factory, guard, ghost, "guess", "198.51.100.1", now)
        assert isinstance(refused, NotSignedIn)

    flooded = _refusal(session_factory, guard, victim.username, PASSWORD, "198.51.100.1", now)
    elsewhere = _sign_in(session_factory, guard, victim.username, PASSWORD, "198.51.100.2", now)

    assert isinstance(flooded, TooManyAttempts)
    assert flooded.retry_after == 300
    assert elsewhere.username == victim.username, "the flood locked the victim out"


def test_guesses_at_one_account_from_another_address_do_not_lock_its_owner_out(
    session_factory: sessionmaker[Session],
) -> None:
    guard, now, victim = (
        _guard(per_user_address=3, per_address=50),
        _moment(),
        _user(session_factory),
    )
    for _ in range(3):
        _refusal(session_factory, guard, victim.username, "guess", "198.51.100.66", now)

    attacker = _refusal(session_factory, guard, victim.username, PASSWORD, "198.51.100.66", now)
    owner = _sign_in(session_factory, guard, victim.username, PASSWORD, "198.51.100.7", now)

    assert isinstance(attacker, TooManyAttempts)
    assert owner.username == victim.username


def test_failures_from_many_addresses_are_limited_in_all_and_free_up_as_they_age(
    session_factory: sessionmaker[Session],
) -> None:
    guard, now, user = _guard(overall=4), _moment(), _user(session_factory)
    for n in range(4):
        _refusal(session_factory, guard, f"ghost-{n}", "guess", f"203.0.113.{n}", now)

    braked = _refusal(
        session_factory,
        guard,
        user.username,
        PASSWORD,
        "203.0.113.200",
        now + timedelta(seconds=60),
    )
    later = now + WINDOW + timedelta(seconds=1)
    again = _sign_in(session_factory, guard, user.username, PASSWORD, "203.0.113.200", later)

    assert isinstance(braked, TooManyAttempts)
    assert braked.retry_after == 240
    assert again.username == user.username


def test_a_victims_count_is_not_pushed_out_by_a_flood_of_other_names(
    session_factory: sessionmaker[Session],
) -> None:
    guard, now, victim = (
        _guard(per_user_address=3, overall=10**6),
        _moment(),
        _user(session_factory),
    )
    for _ in range(3):
        _refusal(session_factory, guard, victim.username, "guess", "192.0.2.10", now)
    # Far more failures of other names and addresses than the old in-memory limiter kept
    # (10,000 keys), written straight into the table the limiter counts.
    flood = [
        {
            "at": now,
            "username": f"flood-{n}",
            "address": f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
        }
        for n in range(12_000)
    ]
    with transaction(session_factory) as session:
        session.execute(insert(SignInFailureRecord), flood)

    still = _refusal(session_factory, guard, victim.username, PASSWORD, "192.0.2.10", now)

    assert isinstance(still, TooManyAttempts)


def test_password_checks_beyond_the_bound_are_turned_away_at_once_and_not_counted(
    session_factory: sessionmaker[Session],
) -> None:
    guard, now, user = _guard(concurrency=1), _moment(), _user(session_factory)

    with guard.checks.slot():  # the one check allowed at a time is running
        busy = _refusal(session_factory, guard, user.username, "guess", "192.0.2.20", now)
    with session_factory() as session:
        counted = session.scalars(
            select(SignInFailureRecord).where(SignInFailureRecord.username == user.username)
        ).all()

    assert isinstance(busy, SignInBusy)
    assert busy.retry_after >= 1
    assert counted == []
    assert _sign_in(session_factory, guard, user.username, PASSWORD, "192.0.2.20", now)


# ---- through the API ---------------------------------------------------------------


def _settings(database_url: str, **overrides: object) -> Settings:
    return Settings(database_url=database_url, auth_token_secret=SecretStr(SECRET), **overrides)  # type: ignore[arg-type]


def _app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    app = create_app(settings)
    app.state.session_factory = session_factory  # no lifespan: no Temporal needed
    app.state.temporal = None
    return app


@pytest.fixture
def replicas(
    database_url: str, session_factory: sessionmaker[Session]
) -> Iterator[tuple[FastAPI, FastAPI]]:
    settings = _settings(database_url, auth_rate_limit=3)
    yield _app(settings, session_factory), _app(settings, session_factory)


async def _post_token(
    app: object, username: str, password: str, peer: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        return await client.post(
            "/auth/token", data={"username": username, "password": password}, headers=headers
        )


async def test_failures_on_one_replica_count_on_another(
    replicas: tuple[FastAPI, FastAPI], session_factory: sessionmaker[Session]
) -> None:
    first, second = replicas
    user = _user(session_factory)
    peer = f"192.0.2.{uuid.uuid4().int % 200 + 30}"
    for app in (first, second, first):
        assert (await _post_token(app, user.username, "guess", peer)).status_code == 401

    limited = await _post_token(second, user.username, PASSWORD, peer)

    assert limited.status_code == 429, limited.text
    assert limited.json()["code"] == "too_many_attempts"
    assert 1 <= int(limited.headers["retry-after"]) <= 300


async def test_a_sign_in_beyond_the_password_check_bound_answers_503_with_retry_after(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    app = _app(
        _settings(database_url, auth_hash_concurrency=1, auth_hash_waiting=0), session_factory
    )
    user = _user(session_factory)

    with app.state.sign_in_guard.checks.slot():
        busy = await _post_token(app, user.username, PASSWORD, "192.0.2.250")
    after = await _post_token(app, user.username, PASSWORD, "192.0.2.250")

    assert busy.status_code == 503, busy.text
    assert busy.json()["code"] == "sign_in_busy"
    assert busy.headers["retry-after"] == "1"
    assert after.status_code == 200


def _failed_addresses(session_factory: sessionmaker[Session], username: str) -> list[str]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(SignInFailureRecord.address).where(SignInFailureRecord.username == username)
            )
        )


async def test_the_client_address_is_the_peers_unless_a_trusted_proxy_forwards_it(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    settings = _settings(database_url, forwarded_allow_ips="10.0.0.5")
    config = api_server_config(settings, _app(settings, session_factory))
    config.load()  # what uvicorn serves: the app behind its proxy headers middleware
    trusted, untrusted = f"t-{uuid.uuid4().hex[:8]}", f"u-{uuid.uuid4().hex[:8]}"
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}

    via_proxy = await _post_token(config.loaded_app, trusted, "guess", "10.0.0.5", forwarded)
    direct = await _post_token(config.loaded_app, untrusted, "guess", "10.0.0.9", forwarded)

    assert (via_proxy.status_code, direct.status_code) == (401, 401)
    assert _failed_addresses(session_factory, trusted) == ["203.0.113.7"]
    assert _failed_addresses(session_factory, untrusted) == ["10.0.0.9"]
    assert "strict-transport-security" in via_proxy.headers, "HTTPS said by a trusted proxy"
    assert "strict-transport-security" not in direct.headers
