"""An admin cannot become anyone: every account change is in an append-only log that
supervisors and admins read; a password someone else chose must be changed first; a
supervisor's or admin's account needs a second admin; the owner is told. Through the
real app, on each database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from casework.settings import Settings
from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts, changes
from services.users.account_log import ChangedBy
from services.users.model import User

SECRET = "test-token-secret-0123456789abcdefghijkl"
PASSWORD = "correct horse battery"


@pytest.fixture
def app(database_url: str, session_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    app = create_app(Settings(database_url=database_url, auth_token_secret=SecretStr(SECRET)))
    app.state.session_factory = session_factory  # no lifespan: no Temporal needed
    app.state.temporal = None
    yield app


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{uuid.uuid4().int % 250}", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


@pytest.fixture
def centre() -> str:
    return f"c-{uuid.uuid4().hex[:8]}"


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _existing(session_factory: sessionmaker[Session], role: Role, centre: str) -> str:
    user = User(username=_name(role.value), role=role, centre=centre)
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password=PASSWORD)
    return user.username


async def _sign_in(api: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Any:
    response = await api.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


async def _headers(api: httpx.AsyncClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {(await _sign_in(api, username))['access_token']}"}


def _bearer(token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


async def _log(api: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.get("/account-log", headers=headers)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()))  # oldest first


async def test_a_new_account_must_choose_its_own_password_before_anything_else(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> None:
    admin = await _headers(api, _existing(session_factory, Role.ADMIN, centre))
    name = _name("staff")
    added = await api.post(
        "/users", json={"username": name, "role": "staff", "password": "chosen by admin"},
        headers=admin,
    )  # fmt: skip

    first = await _sign_in(api, name, "chosen by admin")
    before = [
        await api.get("/auth/me", headers=_bearer(first)),
        await api.get("/cases", headers=_bearer(first)),
    ]
    changed = await api.post(
        "/auth/password",
        json={"current": "chosen by admin", "new": "my very own"},
        headers=_bearer(first),
    )
    after = await api.get("/auth/me", headers=_bearer(changed.json()))
    old_token = await api.post(
        "/auth/password", json={"current": "my very own", "new": "another one"},
        headers=_bearer(first),
    )  # fmt: skip

    assert added.status_code == 201, added.text
    assert first["password_change_required"] is True
    assert [r.status_code for r in before] == [403, 403]
    assert {r.json()["code"] for r in before} == {"password_change_required"}
    assert changed.status_code == 200, changed.text
    assert changed.json()["password_change_required"] is False
    assert after.status_code == 200 and after.json()["username"] == name
    assert old_token.status_code == 401, "the token from before the change still works"
    await _sign_in(api, name, "my very own")


async def test_a_wrong_current_password_changes_nothing(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> None:
    name = _existing(session_factory, Role.LAWYER, centre)
    headers = await _headers(api, name)

    wrong = await api.post(
        "/auth/password", json={"current": "not it", "new": "a new one!"}, headers=headers
    )

    assert wrong.status_code == 401
    await _sign_in(api, name, PASSWORD)


async def test_every_account_change_is_logged_with_who_what_and_when_for_the_centre(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> None:
    admin_name = _existing(session_factory, Role.ADMIN, centre)
    admin = await _headers(api, admin_name)
    supervisor = await _headers(api, _existing(session_factory, Role.SUPERVISOR, centre))
    elsewhere = await _headers(api, _existing(session_factory, Role.ADMIN, f"{centre}-other"))
    lawyer = _existing(session_factory, Role.LAWYER, centre)

    await api.post(f"/users/{lawyer}/password", json={"password": "reset by admin"}, headers=admin)
    await api.post(f"/users/{lawyer}/role", json={"role": "staff"}, headers=admin)
    await api.post(f"/users/{lawyer}/disable", headers=admin)

    entries = [e for e in await _log(api, supervisor) if e["username"] == lawyer]
    assert [(e["action"], e["actor"], e["actor_role"], e["role"]) for e in entries] == [
        ("password_reset", admin_name, "admin", "lawyer"),
        ("role_changed", admin_name, "admin", "staff"),
        ("disabled", admin_name, "admin", "staff"),
    ]
    assert all(e["at"] for e in entries)
    assert await _log(api, admin) == await _log(api, supervisor)
    assert not [e for e in await _log(api, elsewhere) if e["username"] == lawyer]


async def test_a_supervisor_account_needs_a_second_admin_and_its_owner_is_told(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> None:
    first_name = _existing(session_factory, Role.ADMIN, centre)
    second_name = _existing(session_factory, Role.ADMIN, centre)
    first, second = await _headers(api, first_name), await _headers(api, second_name)
    name = _name("supervisor")

    asked = await api.post(
        "/users", json={"username": name, "role": "supervisor", "password": "set by first"},
        headers=first,
    )  # fmt: skip
    not_yet = await api.post("/auth/token", data={"username": name, "password": "set by first"})
    pending = (await api.get("/account-requests", headers=second)).json()
    request_id = asked.json()["id"]
    by_the_asker = await api.post(f"/account-requests/{request_id}/approve", headers=first)
    approved = await api.post(f"/account-requests/{request_id}/approve", headers=second)
    twice = await api.post(f"/account-requests/{request_id}/approve", headers=second)
    signed_in = await _sign_in(api, name, "set by first")

    assert asked.status_code == 202, asked.text
    assert asked.json()["kind"] == "add" and asked.json()["outcome"] is None
    assert not_yet.status_code == 401, "the account exists before a second admin approved"
    assert [p["id"] for p in pending] == [request_id]
    assert by_the_asker.status_code == 403
    assert by_the_asker.json()["code"] == "second_admin_required"
    assert approved.status_code == 200 and approved.json()["outcome"] == "approved"
    assert approved.json()["decided_by"] == second_name
    assert twice.status_code == 404
    assert signed_in["password_change_required"] is True
    told = [(n["action"], n["actor"]) for n in signed_in["notices"]]
    assert told == [("requested", first_name), ("approved", second_name), ("added", first_name)]
    assert all(" / " in n["message"] for n in signed_in["notices"]), "Chinese / English"


async def test_a_supervisors_password_reset_waits_for_a_second_admin(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> None:
    first = await _headers(api, _existing(session_factory, Role.ADMIN, centre))
    second = await _headers(api, _existing(session_factory, Role.ADMIN, centre))
    supervisor = _existing(session_factory, Role.SUPERVISOR, centre)

    asked = await api.post(
        f"/users/{supervisor}/password", json={"password": "takeover!"}, headers=first
    )
    still_theirs = await api.post(
        "/auth/token", data={"username": supervisor, "password": PASSWORD}
    )
    await api.post(f"/account-requests/{asked.json()['id']}/approve", headers=second)
    old = await api.post("/auth/token", data={"username": supervisor, "password": PASSWORD})
    new = await _sign_in(api, supervisor, "takeover!")

    assert asked.status_code == 202, asked.text
    assert still_theirs.status_code == 200
    assert old.status_code == 401
    assert new["password_change_required"] is True


async def test_a_raise_to_admin_refused_by_the_second_admin_changes_nothing(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> None:
    first = await _headers(api, _existing(session_factory, Role.ADMIN, centre))
    second_name = _existing(session_factory, Role.ADMIN, centre)
    second = await _headers(api, second_name)
    staff = _existing(session_factory, Role.STAFF, centre)

    asked = await api.post(f"/users/{staff}/role", json={"role": "admin"}, headers=first)
    refused = await api.post(f"/account-requests/{asked.json()['id']}/refuse", headers=second)
    me = await api.get("/auth/me", headers=await _headers(api, staff))
    log = [e for e in await _log(api, first) if e["username"] == staff]

    assert asked.status_code == 202
    assert refused.json()["outcome"] == "refused"
    assert me.json()["role"] == "staff"
    assert [(e["action"], e["request_id"]) for e in log] == [
        ("requested", asked.json()["id"]),
        ("refused", asked.json()["id"]),
    ]
    assert log[1]["actor"] == second_name


async def test_a_name_held_at_another_centre_is_answered_as_one_held_here(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> None:
    admin = await _headers(api, _existing(session_factory, Role.ADMIN, centre))
    here = _existing(session_factory, Role.STAFF, centre)
    there = _existing(session_factory, Role.STAFF, f"{centre}-other")

    answers = [
        await api.post(
            "/users", json={"username": name, "role": "staff", "password": "long enough"},
            headers=admin,
        )
        for name in (here, there)
    ]  # fmt: skip

    assert [a.status_code for a in answers] == [409, 409]
    here_body, there_body = (a.json() for a in answers)
    assert here_body["detail"].replace(here, "NAME") == there_body["detail"].replace(there, "NAME")
    assert f"{centre}-other" not in there_body["detail"]


def test_the_database_refuses_to_change_or_delete_account_log_rows(
    database_url: str, owner_engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    # As the schema's owner, whom no grant stops: the trigger does (the application role
    # may not even try, tests/test_database_roles.py).
    if not database_url.startswith("postgresql"):
        pytest.skip("the append-only trigger is PostgreSQL's")
    with transaction(session_factory) as session:
        changes.disable_account(
            session=session,
            by=ChangedBy(name="someone", role="admin"),
            username=_existing(session_factory, Role.STAFF, "north"),
            now=datetime.now(UTC),
        )

    for statement in (
        "UPDATE account_event SET actor = 'someone else'",
        "DELETE FROM account_event",
        "TRUNCATE account_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"), owner_engine.begin() as connection:
            connection.execute(text(statement))
