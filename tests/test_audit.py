"""The timeline as evidence: a direct edit or a removed tail is caught by verify (the
database's refusals of such edits: tests/test_database_roles.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from services.cases import audit
from services.cases.model import Need
from services.cases.steps import AddNeed, AssignLawyer, CloseCase, StartAssessment
from services.db import transaction
from services.read_model import record_case_events
from tests.conftest import TEST_MASTER_KEY_RING
from tests.support import intake
from tests.test_projection import KEY, _events

CASEWORK = str(Path(sys.executable).parent / "casework")


def _recorded_case(session_factory: sessionmaker[Session]) -> str:
    case_id = str(uuid.uuid4())
    steps = (intake(), StartAssessment(), AddNeed(need=Need.TRAINING), CloseCase(reason="done"))
    case, events = _events(case_id, *steps)
    with transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=events, identity_key=KEY)
    return case_id


def _verify_cli(
    database_url: str, case_id: str, checkpoints: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MASTER_KEYS": TEST_MASTER_KEY_RING,
        "LOG_LEVEL": "WARNING",
    }
    if checkpoints is not None:
        env["AUDIT_CHECKPOINT_DIR"] = str(checkpoints)
    return subprocess.run(
        [CASEWORK, "audit", "verify", case_id], env=env, capture_output=True, text=True, check=False
    )


ALTER_SECOND_EVENT = text(
    "UPDATE case_event SET actor = 'someone-else' WHERE case_id = :case_id AND seq = 2"
)


@contextmanager
def unguarded(owner_engine: Engine) -> Iterator[Connection]:
    """A connection of the schema's owner with the timeline's trigger lifted, as someone
    who holds the owner's password could do (the application's role cannot)."""
    postgres = owner_engine.dialect.name == "postgresql"
    with owner_engine.begin() as connection:
        if postgres:
            connection.execute(
                text("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
            )
        yield connection
        if postgres:
            connection.execute(text("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only"))


def test_an_untouched_timeline_verifies(
    session_factory: sessionmaker[Session], database_url: str
) -> None:
    case_id = _recorded_case(session_factory)

    with session_factory() as session:
        result = audit.verify_case(session=session, case_id=case_id)

    assert result.ok and result.events_checked == 4
    cli = _verify_cli(database_url, case_id)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert f"ok      {case_id}  4 events" in cli.stdout


def test_an_altered_event_is_named_by_audit_verify(
    session_factory: sessionmaker[Session], owner_engine: Engine, database_url: str
) -> None:
    case_id = _recorded_case(session_factory)

    with unguarded(owner_engine) as connection:
        connection.execute(ALTER_SECOND_EVENT, {"case_id": case_id})

    with session_factory() as session:
        result = audit.verify_case(session=session, case_id=case_id)
    assert not result.ok
    assert result.first_broken_seq == 2
    assert result.events_checked == 1
    cli = _verify_cli(database_url, case_id)
    assert cli.returncode == 1
    assert f"BROKEN  {case_id}  event 2: content does not match its hash" in cli.stdout


def test_a_timeline_whose_last_events_were_deleted_fails_verification(
    session_factory: sessionmaker[Session], owner_engine: Engine, database_url: str
) -> None:
    case_id = _recorded_case(session_factory)

    with unguarded(owner_engine) as connection:
        connection.execute(
            text("DELETE FROM case_event WHERE case_id = :case_id AND seq > 2"),
            {"case_id": case_id},
        )

    with session_factory() as session:
        result = audit.verify_case(session=session, case_id=case_id)
    assert (result.ok, result.first_broken_seq, result.events_checked) == (False, 3, 2)
    assert "ends at event 2 but the case is at version 4" in (result.problem or "")
    cli = _verify_cli(database_url, case_id)
    assert cli.returncode == 1
    assert f"BROKEN  {case_id}  event 3: the timeline ends at event 2" in cli.stdout


def test_a_long_case_as_of_a_moment_is_folded_from_its_events_a_batch_at_a_time(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    case_id = str(uuid.uuid4())
    lawyers = [AssignLawyer(lawyer=f"lawyer-{n}") for n in range(audit.FOLD_BATCH * 2 + 10)]
    case, events = _events(case_id, intake(needs=[Need.LEGAL_AID]), *lawyers)
    with transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=events, identity_key=KEY)
    streamed: list[object] = []

    def seen(_c: object, _cur: object, statement: str, _p: object, context: Any, _m: bool) -> None:
        if "FROM case_event" in statement:
            streamed.append(context.execution_options.get("yield_per"))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with session_factory() as session:
            whole = audit.case_as_of(session=session, case_id=case_id, as_of=events[-1].at)
            halfway = audit.case_as_of(session=session, case_id=case_id, as_of=events[600].at)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert whole == case
    assert halfway is not None and (halfway.version, halfway.lawyer) == (601, "lawyer-599")
    assert streamed == [audit.FOLD_BATCH] * 2  # rows fetched in batches, not all at once
