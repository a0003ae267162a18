"""The callers the API keeps for a few seconds instead of reading them on every request:
how long a disabled account or a new password can take to bite, on each database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from casework.settings import Settings
from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts, tokens
from services.users.model import User
from services.users.recent import TTL_SECONDS, RecentUsers
from services.users.records import UserRecord

SECRET = "test-token-secret-0123456789abcdefghijkl"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(
    database_url: str, session_factory: sessionmaker[Session], clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        Settings(database_url=database_url, auth_token_secret=SecretStr(SECRET))
    )
    app.state.session_factory = session_factory
    app.state.temporal = None
    app.state.recent_users = RecentUsers(clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


def _signed_in(session_factory: sessionmaker[Session]) -> tuple[User, dict[str, str]]:
    user = User(username=f"r-{uuid.uuid4().hex[:10]}", role=Role.STAFF, centre="north")
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password="a password")
    token = tokens.issue_token(user, secret=SECRET.encode(), minutes=15, audience="casework")
    return user, {"Authorization": f"Bearer {token}"}


def _changed_by_another_process(session_factory: sessionmaker[Session], username: str) -> None:
    """What ``casework users disable`` or another API replica leaves in the database,
    without telling this process."""
    with transaction(session_factory) as session:
        session.execute(
            update(UserRecord)
            .where(UserRecord.username == username)
            .values(disabled=True, token_version=UserRecord.token_version + 1)
        )


async def test_an_account_disabled_elsewhere_is_refused_here_within_the_bound(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    user, headers = _signed_in(session_factory)
    assert (await client.get("/auth/me", headers=headers)).status_code == 200

    _changed_by_another_process(session_factory, user.username)
    clock.now += TTL_SECONDS - 0.5
    within = await client.get("/auth/me", headers=headers)
    clock.now += 0.5
    after = await client.get("/auth/me", headers=headers)

    assert within.status_code == 200  # the documented bound, not a wish
    assert after.status_code == 401, after.text


async def test_an_account_disabled_through_this_process_is_refused_at_once(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user, headers = _signed_in(session_factory)
    admin, admin_headers = _signed_in(session_factory)
    with transaction(session_factory) as session:
        session.execute(
            update(UserRecord).where(UserRecord.username == admin.username).values(role="admin")
        )
    assert (await client.get("/auth/me", headers=headers)).status_code == 200

    disabled = await client.post(f"/users/{user.username}/disable", headers=admin_headers)

    assert disabled.status_code == 200, disabled.text
    assert (await client.get("/auth/me", headers=headers)).status_code == 401


async def test_a_password_reset_in_this_process_voids_earlier_tokens_at_once(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user, headers = _signed_in(session_factory)
    assert (await client.get("/auth/me", headers=headers)).status_code == 200

    with transaction(session_factory) as session:
        accounts.reset_password(session=session, username=user.username, password="new one 1")

    assert (await client.get("/auth/me", headers=headers)).status_code == 401


async def test_a_token_of_a_newer_version_is_checked_against_the_database(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user, old = _signed_in(session_factory)
    assert (await client.get("/auth/me", headers=old)).status_code == 200
    with transaction(session_factory) as session:  # as another replica would
        session.execute(
            update(UserRecord)
            .where(UserRecord.username == user.username)
            .values(token_version=UserRecord.token_version + 1)
        )
    renewed = user.model_copy(update={"token_version": user.token_version + 1})
    token = tokens.issue_token(renewed, secret=SECRET.encode(), minutes=15, audience="casework")
    new = {"Authorization": f"Bearer {token}"}

    assert (await client.get("/auth/me", headers=new)).status_code == 200


def test_a_user_read_while_being_forgotten_is_not_kept() -> None:
    recent = RecentUsers()
    user = User(username="racer", role=Role.STAFF, centre="north")
    reading, forgotten = threading.Event(), threading.Event()

    def slow_load() -> User:
        reading.set()
        forgotten.wait(5)
        return user  # the row as it was before the change committed

    loader = threading.Thread(target=recent.user, args=("racer", 0, slow_load))
    loader.start()
    reading.wait(5)
    recent.forget("racer")
    forgotten.set()
    loader.join(5)
    loads: list[str] = []

    def load() -> None:
        loads.append("racer")

    recent.user("racer", 0, load)

    assert loads == ["racer"]  # read again, not served from what the racing load returned
