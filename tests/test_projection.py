"""The read model's writer and reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.cases import queries, rules
from services.cases.lifecycle import CaseOutcome
from services.cases.model import CaseFile
from services.cases.projection import TimelineGap
from services.cases.records import CaseEventRecord
from services.cases.steps import CaseEvent, CloseCase, DecideEligibility, StartAssessment, Step
from services.cases.timeline import GENESIS_HASH, canonical_event, chain_hash
from services.db import transaction
from services.read_model import fold_case_events, record_case_events
from tests.support import STAFF, intake

KEY = b"test-key"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _events(case_id: str, *steps: Step, start: datetime = T0) -> tuple[CaseFile, list[CaseEvent]]:
    case: CaseFile | None = None
    events = []
    for seq, step in enumerate(steps, start=1):
        rules.check(case, step, actor=STAFF)
        event = CaseEvent(
            case_id=case_id, seq=seq, at=start + timedelta(minutes=seq), actor=STAFF, step=step
        )
        case = rules.evolve(case, event)
        events.append(event)
    assert case is not None
    return case, events


def _stored_events(session: Session, case_id: str) -> list[CaseEventRecord]:
    query = select(CaseEventRecord).where(CaseEventRecord.case_id == case_id)
    return list(session.scalars(query.order_by(CaseEventRecord.seq)))


def test_projecting_twice_records_each_event_once(session_factory: sessionmaker[Session]) -> None:
    case_id = str(uuid.uuid4())
    case, events = _events(case_id, intake(), CloseCase(reason="done"))

    with transaction(session_factory) as session:
        assert record_case_events(session=session, case=case, events=events, identity_key=KEY) == 2
    with transaction(session_factory) as session:
        assert record_case_events(session=session, case=case, events=events, identity_key=KEY) == 0

    with session_factory() as session:
        assert [row.seq for row in _stored_events(session, case_id)] == [1, 2]
        assert queries.get_case(session=session, case_id=case_id) == case


def test_events_folded_in_batches_give_the_workflows_case_and_a_retry_changes_nothing(
    session_factory: sessionmaker[Session],
) -> None:
    case_id = str(uuid.uuid4())
    steps = [
        intake(),
        StartAssessment(),
        DecideEligibility(accepted=True),
        CloseCase(reason="done"),
    ]
    case, events = _events(case_id, *steps)

    for batch in (events[:1], events[1:3], events[1:3], events[2:]):
        with transaction(session_factory) as session:
            fold_case_events(session=session, case_id=case_id, events=batch, identity_key=KEY)

    with session_factory() as session:
        assert queries.get_case(session=session, case_id=case_id) == case
        assert [row.seq for row in _stored_events(session, case_id)] == [1, 2, 3, 4]
    with transaction(session_factory) as session, pytest.raises(TimelineGap):
        fold_case_events(
            session=session, case_id=str(uuid.uuid4()), events=events[1:], identity_key=KEY
        )


def test_an_older_snapshot_never_overwrites_a_newer_one(
    session_factory: sessionmaker[Session],
) -> None:
    case_id = str(uuid.uuid4())
    closed, events = _events(case_id, intake(), CloseCase(outcome=CaseOutcome.PLACED, reason="ok"))
    opened = rules.evolve(None, events[0])

    with transaction(session_factory) as session:
        record_case_events(session=session, case=closed, events=events, identity_key=KEY)
    with transaction(session_factory) as session:  # a late retry of the first batch
        record_case_events(session=session, case=opened, events=events[:1], identity_key=KEY)

    with session_factory() as session:
        assert queries.get_case(session=session, case_id=case_id) == closed


def test_a_gap_in_the_sequence_is_refused_and_nothing_is_written(
    session_factory: sessionmaker[Session],
) -> None:
    case_id = str(uuid.uuid4())
    case, events = _events(case_id, intake(), CloseCase(reason="done"))

    with pytest.raises(TimelineGap), transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=events[1:], identity_key=KEY)

    with session_factory() as session:
        assert queries.get_case(session=session, case_id=case_id) is None
        count = select(func.count()).select_from(CaseEventRecord)
        assert session.scalar(count.where(CaseEventRecord.case_id == case_id)) == 0


def test_each_event_hash_chains_to_the_previous_one(
    session_factory: sessionmaker[Session],
) -> None:
    case_id = str(uuid.uuid4())
    case, events = _events(case_id, intake(), CloseCase(reason="done"))
    with transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=events, identity_key=KEY)

    with session_factory() as session:
        rows = _stored_events(session, case_id)
    prev = GENESIS_HASH
    for row in rows:
        canonical = canonical_event(
            case_id=row.case_id,
            seq=row.seq,
            type=row.type,
            actor=row.actor,
            role=row.role,
            target=row.target,
            at=row.at,
            payload=row.payload,
            clocks=row.clocks,
        )
        assert row.prev_hash == prev
        assert row.hash == chain_hash(prev, canonical)
        prev = row.hash
    assert rows[0].at == events[0].at  # timestamps come back as the same UTC instant


def test_list_pages_newest_first_by_opening_time(session_factory: sessionmaker[Session]) -> None:
    base = datetime(2031, 1, 1, tzinfo=UTC)  # later than anything else in the shared database
    ids = []
    for day in range(3):
        case_id = str(uuid.uuid4())
        case, events = _events(case_id, intake(), start=base + timedelta(days=day))
        with transaction(session_factory) as session:
            record_case_events(session=session, case=case, events=events, identity_key=KEY)
        ids.append(case_id)

    with session_factory() as session:
        first = queries.list_cases(session=session, limit=2)
        second = queries.list_cases(session=session, limit=1, cursor=first.next_cursor)

    assert [item.id for item in first.items] == [ids[2], ids[1]]
    assert [item.id for item in second.items] == [ids[0]]
