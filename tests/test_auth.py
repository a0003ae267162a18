"""Signing in and being turned away: passwords, tokens, disabled users, the sign-in rate
limit, deny-by-default and the body size limit, through the real app on each database."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from casework.dev import dev_settings
from casework.settings import Settings
from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts, tokens
from services.users.model import User

SECRET = "test-token-secret-0123456789abcdefghijkl"
PASSWORD = "correct horse battery"


@pytest.fixture
def app(database_url: str, session_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=database_url,
        auth_token_secret=SecretStr(SECRET),
        auth_rate_limit=3,
        max_body_bytes=4096,
    )
    app = create_app(settings)
    # No lifespan here: these routes need the database only, never Temporal.
    app.state.session_factory = session_factory
    app.state.temporal = None
    yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


def _user(session_factory: sessionmaker[Session], role: Role = Role.STAFF) -> User:
    user = User(username=f"u-{uuid.uuid4().hex[:10]}", role=role, centre="north")
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password=PASSWORD)
    return user


async def _sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/token", data={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_not_signed_in(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


async def test_the_right_password_gives_a_token_that_names_the_user(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _user(session_factory, Role.LAWYER)

    signed_in = await _sign_in(client, user.username, PASSWORD)
    me = await client.get("/auth/me", headers=_bearer(signed_in.json()["access_token"]))

    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["token_type"] == "bearer"
    assert signed_in.json()["expires_in"] == 15 * 60
    assert signed_in.headers["cache-control"] == "no-store"
    assert me.json() == {
        "username": user.username,
        "role": "lawyer",
        "centre": "north",
        "disabled": False,
    }


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _user(session_factory)

    wrong = await _sign_in(client, user.username, "not the password")
    unknown = await _sign_in(client, f"ghost-{uuid.uuid4().hex[:8]}", PASSWORD)

    _assert_not_signed_in(wrong)
    _assert_not_signed_in(unknown)
    assert wrong.json() == unknown.json()


async def test_a_disabled_user_cannot_sign_in_and_their_tokens_stop_working(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _user(session_factory)
    token = (await _sign_in(client, user.username, PASSWORD)).json()["access_token"]
    assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 200

    with transaction(session_factory) as session:
        accounts.disable_user(session=session, username=user.username)

    _assert_not_signed_in(await client.get("/auth/me", headers=_bearer(token)))
    _assert_not_signed_in(await _sign_in(client, user.username, PASSWORD))


async def test_a_password_reset_voids_earlier_tokens(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _user(session_factory)
    token = (await _sign_in(client, user.username, PASSWORD)).json()["access_token"]

    with transaction(session_factory) as session:
        accounts.reset_password(session=session, username=user.username, password="new secret 1")

    _assert_not_signed_in(await client.get("/auth/me", headers=_bearer(token)))
    _assert_not_signed_in(await _sign_in(client, user.username, PASSWORD))
    assert (await _sign_in(client, user.username, "new secret 1")).status_code == 200


async def test_an_expired_token_is_refused(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _user(session_factory)
    issued = datetime.now(UTC) - timedelta(minutes=16)
    token = tokens.issue_token(
        user, secret=SECRET.encode(), minutes=15, audience="casework", now=issued
    )

    _assert_not_signed_in(await client.get("/auth/me", headers=_bearer(token)))


def _tampered(token: str, **claims: object) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**body, **claims}).encode()).rstrip(b"=")
    return f"{header}.{forged.decode()}.{signature}"


async def test_a_tampered_or_foreign_token_is_refused(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    staff = _user(session_factory)
    admin = _user(session_factory, Role.ADMIN)
    token = (await _sign_in(client, staff.username, PASSWORD)).json()["access_token"]
    claims = {"iss": "casework", "aud": "casework", "sub": admin.username, "ver": 0}
    claims["centre"] = admin.centre
    now = datetime.now(UTC)
    forged = [
        _tampered(token, sub=admin.username),
        jwt.encode({**claims, "iat": now, "exp": now + timedelta(minutes=5)}, "x" * 40, "HS256"),
        jwt.encode({**claims, "iat": now, "exp": now + timedelta(minutes=5)}, "", "none"),
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "not-a-token",
    ]

    for bad in forged:
        _assert_not_signed_in(await client.get("/users", headers=_bearer(bad)))
    assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 200


async def test_sign_in_attempts_are_limited_per_user_and_client(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user, other = _user(session_factory), _user(session_factory)
    for _ in range(3):
        _assert_not_signed_in(await _sign_in(client, user.username, "guess"))

    limited = await _sign_in(client, user.username, PASSWORD)

    assert limited.status_code == 429, limited.text
    assert limited.json()["code"] == "too_many_attempts"
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    assert (await _sign_in(client, other.username, PASSWORD)).status_code == 200


async def test_a_token_of_another_deployment_or_for_another_centre_is_refused(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _user(session_factory)
    secret = SECRET.encode()
    dev_stack = tokens.issue_token(user, secret=secret, minutes=5, audience="dev-casework")
    moved = tokens.issue_token(
        user.model_copy(update={"centre": "south"}), secret=secret, minutes=5, audience="casework"
    )
    right = tokens.issue_token(user, secret=secret, minutes=5, audience="casework")

    _assert_not_signed_in(await client.get("/auth/me", headers=_bearer(dev_stack)))
    _assert_not_signed_in(await client.get("/auth/me", headers=_bearer(moved)))
    assert (await client.get("/auth/me", headers=_bearer(right))).status_code == 200


async def test_a_token_minted_by_casework_dev_is_refused_by_a_deployment_sharing_its_key(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    production = Settings(database_url=database_url, auth_token_secret=SecretStr(SECRET))
    laptop = dev_settings(production)  # the same .env, read by `casework dev`
    user = _user(session_factory)
    secret = SECRET.encode()
    minted = tokens.issue_token(user, secret=secret, minutes=5, audience=laptop.deployment_id)
    app = create_app(production)
    app.state.session_factory = session_factory
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        refused = await client.get("/auth/me", headers=_bearer(minted))

    _assert_not_signed_in(refused)
    assert laptop.auth_token_secret == production.auth_token_secret


async def test_a_route_without_a_policy_is_refused_to_everyone(
    app: FastAPI, client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    @app.get("/unlisted")
    def unlisted() -> dict[str, str]:
        return {"secret": "data"}

    admin = _user(session_factory, Role.ADMIN)
    token = (await _sign_in(client, admin.username, PASSWORD)).json()["access_token"]

    anonymous = await client.get("/unlisted")
    signed_in = await client.get("/unlisted", headers=_bearer(token))

    assert (anonymous.status_code, signed_in.status_code) == (403, 403)
    assert signed_in.json()["code"] == "forbidden"


async def test_a_body_over_the_limit_is_refused_with_413_whether_or_not_it_declares_a_length(
    client: httpx.AsyncClient,
) -> None:
    big = b"{" + b" " * 5000 + b"}"

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    declared = await client.post("/cases", content=big)
    streamed = await client.post("/cases", content=chunks())

    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.json()["code"] == "body_too_large"


async def test_an_admin_manages_the_accounts_of_their_own_centre_only(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    admin = _user(session_factory, Role.ADMIN)
    elsewhere = User(username=f"far-{uuid.uuid4().hex[:8]}", role=Role.STAFF, centre="south")
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=elsewhere, password=PASSWORD)
    headers = _bearer((await _sign_in(client, admin.username, PASSWORD)).json()["access_token"])
    name = f"new-{uuid.uuid4().hex[:8]}"

    added = await client.post(
        "/users",
        json={"username": name, "role": "lawyer", "password": "long enough"},
        headers=headers,
    )
    other_centre = await client.post(
        "/users",
        json={
            "username": f"x{name}",
            "role": "staff",
            "centre": "south",
            "password": "long enough",
        },
        headers=headers,
    )
    hidden = await client.post(f"/users/{elsewhere.username}/disable", headers=headers)
    disabled = await client.post(f"/users/{name}/disable", headers=headers)

    assert added.status_code == 201, added.text
    assert added.json()["centre"] == "north"
    assert other_centre.status_code == 403
    assert hidden.status_code == 404
    assert disabled.json()["disabled"] is True
    _assert_not_signed_in(await _sign_in(client, name, "long enough"))
