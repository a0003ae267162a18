"""The timeline as evidence: a direct edit is caught, and on PostgreSQL refused first."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from services.cases import audit
from services.cases.model import Need
from services.cases.steps import AddNeed, CloseCase, StartAssessment
from services.db import transaction
from services.read_model import record_case_events
from tests.support import intake
from tests.test_projection import KEY, _events


def _recorded_case(session_factory: sessionmaker[Session]) -> str:
    case_id = str(uuid.uuid4())
    steps = (intake(), StartAssessment(), AddNeed(need=Need.TRAINING), CloseCase(reason="done"))
    case, events = _events(case_id, *steps)
    with transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=events, identity_key=KEY)
    return case_id


def _verify_cli(database_url: str, case_id: str) -> subprocess.CompletedProcess[str]:
    casework = Path(sys.executable).parent / "casework"
    return subprocess.run(
        [str(casework), "audit", "verify", case_id],
        env={**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        check=False,
    )


TRIGGER = "case_event_append_only"
ALTER_SECOND_EVENT = text(
    "UPDATE case_event SET actor = 'someone-else' WHERE case_id = :case_id AND seq = 2"
)


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
    session_factory: sessionmaker[Session], engine: Engine, database_url: str
) -> None:
    case_id = _recorded_case(session_factory)

    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
            )
        connection.execute(ALTER_SECOND_EVENT, {"case_id": case_id})
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only"))

    with session_factory() as session:
        result = audit.verify_case(session=session, case_id=case_id)
    assert not result.ok
    assert result.first_broken_seq == 2
    assert result.events_checked == 1
    cli = _verify_cli(database_url, case_id)
    assert cli.returncode == 1
    assert f"BROKEN  {case_id}  event 2: content does not match its hash" in cli.stdout


def test_postgresql_refuses_updates_and_deletes_of_timeline_rows(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the database-enforced refusal is PostgreSQL's")
    case_id = _recorded_case(session_factory)

    for statement in (
        ALTER_SECOND_EVENT,
        text("DELETE FROM case_event WHERE case_id = :case_id"),
        text("TRUNCATE case_event CASCADE"),
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(statement, {"case_id": case_id})

    with session_factory() as session:
        assert audit.verify_case(session=session, case_id=case_id).ok
