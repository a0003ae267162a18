"""A projection that cannot succeed is caught, on each database: the case is recorded as
stuck within seconds, its waiting step answers 503 ``projection_failed`` at once, ``/ready``
counts it, and once the cause is mended ``casework projection retry`` projects what was
missing (nothing the workflow accepted is lost).

The cause is forced in below the API's boundary: a trigger that refuses one centre's case
rows (the schema owner's doing, as a broken migration or a constraint could be), and on
PostgreSQL the reproduction of issue 12 too: a NUL in a name, sent straight to Temporal."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.projection import ProjectionActivities
from casework import projection_ops
from services.cases import queries, stuck
from services.cases.numbers import CASE_NUMBER_FAILED, NumberRequest
from services.cases.records import CaseNumberRecord
from services.db import make_engine, make_session_factory
from services.kernel.actors import Actor, Role
from tests.api import signed_in, worked_api
from tests.conftest import TEST_IDENTITY_KEY
from tests.support import STAFF, intake, start_case, terminate
from workflows.case import CaseWorkflow
from workflows.case_contract import StepRequest

BUDGET_S = 10.0  # what a step may take at most here; a stuck case used to hang for ever


@dataclass
class Stack:
    api: httpx.AsyncClient
    env: WorkflowEnvironment
    task_queue: str


@pytest.fixture
async def stack(database_url: str, session_factory: sessionmaker[Session]) -> AsyncIterator[Stack]:
    async with worked_api(database_url, session_factory, queue_prefix="stuck") as running:
        yield Stack(running.api, running.env, running.task_queue)


def _refusing(
    owner_engine: Engine, table: str, prefix: str
) -> Iterator[tuple[str, Callable[[], None]]]:
    """A centre whose rows of ``table`` the database refuses, and how to mend it."""
    centre = f"{prefix}-{uuid.uuid4().hex[:8]}"
    trigger = f"refuse_{centre.replace('-', '_')}"
    postgres = owner_engine.dialect.name == "postgresql"
    with owner_engine.begin() as connection:
        if postgres:
            connection.execute(text(
                f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END $$"
            ))  # fmt: skip
            connection.execute(text(
                f"CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
                f"WHEN (NEW.centre = '{centre}') EXECUTE FUNCTION {trigger}()"
            ))  # fmt: skip
        else:
            connection.execute(text(
                f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} "
                f"WHEN NEW.centre = '{centre}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ))  # fmt: skip

    def mend() -> None:
        with owner_engine.begin() as connection:
            connection.execute(
                text(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgres else ""))
            )
            if postgres:
                connection.execute(text(f"DROP FUNCTION IF EXISTS {trigger}()"))

    yield centre, mend
    mend()


@pytest.fixture
def poisoned_centre(owner_engine: Engine) -> Iterator[tuple[str, Callable[[], None]]]:
    """A centre whose case rows the database refuses, and how to mend it."""
    yield from _refusing(owner_engine, "cases", "poison")


@pytest.fixture
def unnumbered_centre(owner_engine: Engine) -> Iterator[tuple[str, Callable[[], None]]]:
    """A centre the database refuses a case number (issue 12's NUL, on either database)."""
    yield from _refusing(owner_engine, "case_number", "unnumbered")


async def test_a_case_whose_projection_fails_is_answered_listed_and_mended(
    stack: Stack,
    session_factory: sessionmaker[Session],
    poisoned_centre: tuple[str, Callable[[], None]],
) -> None:
    centre, mend = poisoned_centre
    _, staff = signed_in(session_factory, Role.STAFF, centre)
    body = {"claimant": {"name": "王建国", "category": "veteran"}, "needs": ["job_referral"]}
    keyed = {**staff, "Idempotency-Key": f"stuck-{uuid.uuid4().hex}"}

    started = time.monotonic()
    opened = await stack.api.post("/cases", json=body, headers=keyed)
    took = time.monotonic() - started
    again = await stack.api.post("/cases", json=body, headers=keyed)
    listed = projection_ops.stuck(session_factory)
    ready = await stack.api.get("/ready")

    assert opened.status_code == 503, opened.text
    assert opened.json()["code"] == "projection_failed"
    assert opened.headers["content-type"] == "application/problem+json"
    assert took < BUDGET_S
    assert again.json()["code"] == "projection_failed"  # the same case, not a second one
    [case] = [each for each in listed if each.error.endswith("refused") or "refused" in each.error]
    assert case.seq == 1
    assert ready.json()["stuck_cases"] >= 1

    still = await projection_ops.retry(stack.env.client, session_factory, case.case_id)
    mend()
    mended = await projection_ops.retry(stack.env.client, session_factory, case.case_id)
    repeated = await stack.api.post("/cases", json=body, headers=keyed)

    assert [answer.projected for _, answer in still] == [False]
    assert [answer.projected for _, answer in mended] == [True]
    assert projection_ops.stuck(session_factory, case.case_id) == []
    with session_factory() as session:
        recorded = queries.get_case(session=session, case_id=case.case_id)
    assert recorded is not None and recorded.claimant.name == "王建国"
    assert repeated.status_code == 201, repeated.text
    assert repeated.json()["id"] == case.case_id


async def test_a_nul_in_a_name_sent_below_the_boundary_is_listed_within_seconds(
    stack: Stack, session_factory: sessionmaker[Session], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps a NUL in text: only PostgreSQL refuses it")
    # Built without validation: the API's boundary refuses a NUL (422). Names are sealed
    # (ciphertext holds no NUL), so it goes in a column kept readable: who took the intake.
    actor = Actor.model_construct(id="desk\u0000one", role=Role.STAFF)
    handle = await start_case(stack.env.client, stack.task_queue)
    request = StepRequest(step=intake(), actor=actor)
    started = time.monotonic()
    try:
        result = await handle.execute_update(CaseWorkflow.apply_step, request)
        took = time.monotonic() - started
        [stuck] = projection_ops.stuck(session_factory, handle.id.removeprefix("case-"))
    finally:
        await terminate(handle)

    assert not result.projected
    assert took < BUDGET_S
    assert "NUL" in stuck.error


async def test_an_intake_whose_centre_cannot_be_numbered_is_refused_at_once(
    stack: Stack,
    session_factory: sessionmaker[Session],
    unnumbered_centre: tuple[str, Callable[[], None]],
) -> None:
    centre, mend = unnumbered_centre
    _, staff = signed_in(session_factory, Role.STAFF, centre)
    body = {"claimant": {"name": "王建国", "category": "veteran"}, "needs": ["job_referral"]}

    started = time.monotonic()
    refused = await stack.api.post(
        "/cases", json=body, headers={**staff, "Idempotency-Key": f"n-{uuid.uuid4().hex}"}
    )
    took = time.monotonic() - started
    mend()
    opened = await stack.api.post(
        "/cases", json=body, headers={**staff, "Idempotency-Key": f"n-{uuid.uuid4().hex}"}
    )

    assert refused.status_code == 422, refused.text  # it used to wait for ever
    assert refused.json()["code"] == "case_number_failed"
    assert [error["field"] for error in refused.json()["errors"]] == ["centre"]
    assert took < BUDGET_S
    assert opened.status_code == 201, opened.text
    assert opened.json()["number"]


async def test_a_nul_in_a_centre_sent_below_the_boundary_is_refused_within_seconds(
    stack: Stack, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps a NUL in text: only PostgreSQL refuses it")
    # Built without validation: the API's boundary refuses a NUL (422).
    step = intake().model_copy(update={"centre": "east\u0000side"})
    handle = await start_case(stack.env.client, stack.task_queue)
    started = time.monotonic()
    try:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                CaseWorkflow.apply_step, StepRequest(step=step, actor=STAFF)
            )
        took = time.monotonic() - started
        case = await handle.query(CaseWorkflow.case)
    finally:
        await terminate(handle)

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == CASE_NUMBER_FAILED
    assert took < BUDGET_S
    assert case is None  # nothing accepted


def test_allocation_errors_are_retried_only_when_transient(
    session_factory: sessionmaker[Session],
    unnumbered_centre: tuple[str, Callable[[], None]],
    tmp_path: Path,
) -> None:
    centre, _ = unnumbered_centre
    at = datetime(2026, 3, 1, tzinfo=UTC)
    activities = ProjectionActivities(session_factory, TEST_IDENTITY_KEY)
    request = NumberRequest(case_id=str(uuid.uuid4()), centre=centre, at=at)
    # A database that is not there: transient, raised as it is for the retry policy.
    gone = ProjectionActivities(
        make_session_factory(make_engine(f"sqlite:///{tmp_path}/missing/casework.db")),
        TEST_IDENTITY_KEY,
    )
    env = ActivityEnvironment()

    with pytest.raises(ApplicationError) as refused:
        env.run(activities.allocate_case_number, request)
    with pytest.raises(OperationalError):
        env.run(gone.allocate_case_number, request)

    assert refused.value.non_retryable
    assert refused.value.type == CASE_NUMBER_FAILED
    assert "refused" in refused.value.message


def test_a_repeat_that_lost_the_race_to_its_twin_reads_the_twins_number(
    session_factory: sessionmaker[Session],
) -> None:
    request = NumberRequest(
        case_id=str(uuid.uuid4()), centre=f"twin-{uuid.uuid4().hex[:8]}", at=datetime.now(UTC)
    )
    activities = ProjectionActivities(session_factory, TEST_IDENTITY_KEY)
    first = ActivityEnvironment().run(activities.allocate_case_number, request)

    # The repeat looked before its twin committed: it found no number and takes another.
    with patch("activities.projection.allocate_case_number", _without_looking):
        again = ActivityEnvironment().run(activities.allocate_case_number, request)

    assert again == first


def _without_looking(*, session: Session, request: NumberRequest) -> str:
    session.add(CaseNumberRecord(case_id=request.case_id, centre=request.centre, year=1, seq=1))
    session.flush()  # the case's primary key: taken by its twin
    raise AssertionError("a second number for one case")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (psycopg.errors.SerializationFailure, True),
        (psycopg.errors.DeadlockDetected, True),
        (psycopg.errors.LockNotAvailable, True),  # lock_timeout
        (psycopg.errors.QueryCanceled, True),  # statement_timeout
        (psycopg.errors.AdminShutdown, True),
        (psycopg.errors.UntranslatableCharacter, False),
        (psycopg.errors.StringDataRightTruncation, False),
        (psycopg.errors.CheckViolation, False),
    ],
)
def test_which_database_errors_are_transient(error: type[Exception], transient: bool) -> None:
    wrapped = DBAPIError.instance("INSERT ...", {}, error("said"), psycopg.Error)

    assert stuck.is_transient(wrapped) is transient
