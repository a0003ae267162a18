"""Reading one case through the API on each database: one read of the row serves the
policy and the route, every read of personal data leaves exactly one access-log row,
cases out of reach answer 404, and a destroyed key stops opening the case at once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.app import api_engine, create_app
from casework.settings import Settings
from services.cases import queries, rules
from services.cases.model import CaseFile, Claimant, ClaimantCategory
from services.cases.steps import AssignLawyer, CaseEvent, Step
from services.crypto.case_keys import destroy_case_key
from services.crypto.cipher import KeyRing, new_key
from services.crypto.vault import Vault, install_vault
from services.db import lazy_commit, make_session_factory, transaction
from services.kernel.actors import Role
from services.read_model import record_case_events
from services.users import accounts, tokens
from services.users.model import User
from services.users.records import AccessLogRecord
from tests.conftest import TEST_VAULT
from tests.support import STAFF, intake

SECRET = "test-token-secret-0123456789abcdefghijkl"
CENTRE = "north"


@pytest.fixture
async def client(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        Settings(database_url=database_url, auth_token_secret=SecretStr(SECRET))
    )
    app.state.session_factory = session_factory
    app.state.temporal = None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


def _headers(
    session_factory: sessionmaker[Session], role: Role, centre: str = CENTRE
) -> tuple[str, dict[str, str]]:
    user = User(username=f"{role}-{uuid.uuid4().hex[:8]}", role=role, centre=centre)
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password="a password")
    token = tokens.issue_token(user, secret=SECRET.encode(), minutes=15, audience="casework")
    return user.username, {"Authorization": f"Bearer {token}"}


def _case(
    session_factory: sessionmaker[Session],
    *,
    centre: str = CENTRE,
    lawyer: str = "",
    steps: Sequence[Step] = (),
) -> CaseFile:
    claimant = Claimant(name="Reader Wang", category=ClaimantCategory.VETERAN, phone="13900001234")
    case_id, at = str(uuid.uuid4()), datetime.now(UTC) - timedelta(hours=1)
    taken: list[Step] = [intake(claimant=claimant, centre=centre), *steps]
    if lawyer:
        taken.append(AssignLawyer(lawyer=lawyer))
    case, events = None, []
    for seq, step in enumerate(taken, start=1):
        actor = STAFF if seq == 1 else STAFF.model_copy(update={"role": Role.SUPERVISOR})
        events.append(
            CaseEvent(
                case_id=case_id, seq=seq, at=at + timedelta(minutes=seq), actor=actor, step=step
            )
        )
        case = rules.evolve(case, events[-1])
    assert case is not None
    with transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=events, identity_key=b"k")
    return case


def _log_rows(session_factory: sessionmaker[Session], case_id: str) -> list[tuple[str, str]]:
    with session_factory() as session:
        rows = session.execute(
            select(AccessLogRecord.username, AccessLogRecord.action)
            .where(AccessLogRecord.case_id == case_id)
            .order_by(AccessLogRecord.id)
        )
        return [(row.username, row.action) for row in rows]


async def test_each_read_of_personal_data_leaves_exactly_one_access_log_row(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case = _case(session_factory)
    staff, headers = _headers(session_factory, Role.STAFF)
    path = f"/cases/{case.id}"

    reads = [await client.get(path, headers=headers) for _ in range(3)]
    timeline = await client.get(f"{path}/timeline", headers=headers)
    history = await client.get(f"{path}/history", headers=headers)
    deadlines = await client.get(f"{path}/deadlines", headers=headers)  # no personal data

    assert [r.status_code for r in (*reads, timeline, history, deadlines)] == [200] * 6
    assert reads[0].json()["claimant"]["phone"] == "13900001234"
    assert _log_rows(session_factory, case.id) == [
        (staff, "case"),
        (staff, "case"),
        (staff, "case"),
        (staff, "timeline"),
        (staff, "history"),
    ]


async def test_the_history_comes_a_page_at_a_time_like_the_timeline(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    lawyers = [AssignLawyer(lawyer=f"lawyer-{n}") for n in range(4)]
    case = _case(session_factory, steps=lawyers)
    staff, headers = _headers(session_factory, Role.STAFF)
    path = f"/cases/{case.id}/history"

    pages = [
        await client.get(path, headers=headers, params={"limit": 2, "after_seq": after})
        for after in (0, 2, 4)
    ]
    too_many = await client.get(path, headers=headers, params={"limit": 501})

    assert [page.status_code for page in pages] == [200] * 3
    assert [[e["seq"] for e in page.json()["items"]] for page in pages] == [[1, 2], [3, 4], [5]]
    assert [page.json()["next_after_seq"] for page in pages] == [2, 4, None]
    assert pages[0].json()["items"][0]["step"]["claimant"]["phone"] == "13900001234"
    assert too_many.status_code == 422
    assert _log_rows(session_factory, case.id) == [(staff, "history")] * 3


async def test_a_case_of_another_centre_or_another_lawyer_answers_404_and_logs_nothing(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    lawyer, lawyer_headers = _headers(session_factory, Role.LAWYER)
    theirs = _case(session_factory, lawyer=lawyer)
    unassigned = _case(session_factory)
    elsewhere = _case(session_factory, centre="south")
    _, staff = _headers(session_factory, Role.STAFF)
    missing = await client.get(f"/cases/{uuid.uuid4()}", headers=staff)

    other_centre = await client.get(f"/cases/{elsewhere.id}", headers=staff)
    not_assigned = await client.get(f"/cases/{unassigned.id}", headers=lawyer_headers)
    assigned = await client.get(f"/cases/{theirs.id}", headers=lawyer_headers)
    malformed = await client.get("/cases/not-a-case-id", headers=staff)

    assert (missing.status_code, other_centre.status_code, not_assigned.status_code) == (
        404,
        404,
        404,
    )
    assert other_centre.json()["code"] == missing.json()["code"]
    assert assigned.status_code == 200, assigned.text
    assert malformed.status_code == 422
    assert len(malformed.json()["errors"]) == 1  # the case_id, named once
    assert _log_rows(session_factory, elsewhere.id) == []
    assert _log_rows(session_factory, unassigned.id) == []
    assert _log_rows(session_factory, theirs.id) == [(lawyer, "case")]


async def test_a_read_queries_the_case_once_for_the_policy_and_the_route(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    case = _case(session_factory)
    _, headers = _headers(session_factory, Role.STAFF)
    await client.get(f"/cases/{case.id}", headers=headers)  # the caller is now kept
    statements: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        read = await client.get(f"/cases/{case.id}", headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert read.status_code == 200
    assert sum("FROM cases" in s for s in statements) == 1, statements
    assert not any("FROM users" in s for s in statements), statements
    assert sum(s.startswith("INSERT INTO access_log") for s in statements) == 1


async def test_a_destroyed_key_stops_opening_the_case_on_the_next_read(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case = _case(session_factory)
    _, headers = _headers(session_factory, Role.STAFF)
    before = await client.get(f"/cases/{case.id}", headers=headers)

    with transaction(session_factory) as session:
        destroy_case_key(session=session, case_id=case.id)
    after = await client.get(f"/cases/{case.id}", headers=headers)

    assert before.json()["claimant"]["phone"] == "13900001234"
    assert after.json()["claimant"]["phone"] is None
    assert after.json()["claimant"]["erased"] == ["name", "phone"]


async def test_a_case_whose_key_does_not_open_answers_503_and_never_an_emptied_case(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case = _case(session_factory)
    _, headers = _headers(session_factory, Role.STAFF)
    # This server's ring lacks the master key that wrapped the case's key.
    install_vault(Vault(KeyRing(keys={"next": new_key()}, current="next")))
    try:
        reads = [
            await client.get(f"/cases/{case.id}{path}", headers=headers)
            for path in ("", "/history", "/timeline")
        ]
    finally:
        install_vault(TEST_VAULT)

    assert [read.status_code for read in reads] == [503, 503, 503]
    assert {read.json()["code"] for read in reads} == {"key_unavailable"}
    assert "13900001234" not in "".join(read.text for read in reads)
    assert _log_rows(session_factory, case.id) == []  # nothing was shown


async def test_a_request_whose_query_outlasts_the_statement_timeout_answers_503(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the statement timeout is PostgreSQL's")
    settings = Settings(
        database_url=database_url,
        auth_token_secret=SecretStr(SECRET),
        database_statement_timeout_ms=300,
    )
    app = create_app(settings)
    engine = api_engine(settings)  # what the app's lifespan makes
    app.state.session_factory = make_session_factory(engine)
    app.state.temporal = None
    case = _case(session_factory)
    _, headers = _headers(session_factory, Role.SUPERVISOR)

    def slow_list(*, session: Session, **_: object) -> None:
        session.execute(text("SELECT pg_sleep(30)"))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        quick = await client.get(f"/cases/{case.id}", headers=headers)
        monkeypatch.setattr(queries, "list_cases", slow_list)
        slow = await client.get("/cases", headers=headers)
    engine.dispose()

    assert quick.status_code == 200, quick.text
    assert slow.status_code == 503, slow.text
    assert slow.json()["code"] == "statement_timeout"
    assert "Retry-After" in slow.headers


def test_a_lazy_commit_leaves_its_connection_durable_for_the_next_transaction(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    username = f"lazy-{uuid.uuid4().hex[:8]}"
    with session_factory() as session:
        lazy_commit(session)
        raw = session.connection().connection.dbapi_connection
        session.add(
            AccessLogRecord(
                case_id=str(uuid.uuid4()),
                centre=CENTRE,
                username=username,
                role="staff",
                action="case",
                fields=[],
                at=datetime.now(UTC),
            )
        )
        session.commit()
    with session_factory() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(AccessLogRecord)
            .where(AccessLogRecord.username == username)
        )

    # The very connection, back in the pool: what it commits next waits for the disk.
    assert raw is not None
    cursor = raw.cursor()
    sqlite = engine.dialect.name == "sqlite"
    cursor.execute("PRAGMA synchronous" if sqlite else "SHOW synchronous_commit")
    setting = cursor.fetchall()
    cursor.close()
    raw.rollback()
    assert setting == ([(2,)] if sqlite else [("on",)])  # 2: FULL
    assert stored == 1
