"""The timeline as evidence: reading it, rebuilding past states from it, verifying its chain."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases import rules
from services.cases.model import CaseFile
from services.cases.projection import canonical_row, readable_payload
from services.cases.records import CaseEventRecord, CaseRecord
from services.cases.steps import CaseEvent, Step
from services.cases.timeline import GENESIS_HASH, chain_hash
from services.kernel.actors import Actor, Role

_STEP = TypeAdapter(Step)


class TimelineEntry(BaseModel):
    seq: int
    type: str
    actor: str
    role: Role
    target: str | None
    at: datetime
    payload: dict[str, object]
    clocks: list[dict[str, object]] | None = None
    prev_hash: str
    hash: str


class TimelinePage(BaseModel):
    items: list[TimelineEntry]
    next_after_seq: int | None


class Verification(BaseModel):
    case_id: str
    ok: bool
    events_checked: int
    first_broken_seq: int | None = None
    problem: str | None = None


def timeline_page(*, session: Session, case_id: str, after_seq: int, limit: int) -> TimelinePage:
    rows = session.scalars(
        select(CaseEventRecord)
        .where(CaseEventRecord.case_id == case_id, CaseEventRecord.seq > after_seq)
        .order_by(CaseEventRecord.seq)
        .limit(limit + 1)
    ).all()
    items = [_entry(session, row) for row in rows[:limit]]
    more = len(rows) > limit
    return TimelinePage(items=items, next_after_seq=items[-1].seq if more else None)


def _entry(session: Session, row: CaseEventRecord) -> TimelineEntry:
    entry = TimelineEntry.model_validate(row, from_attributes=True)
    payload = readable_payload(session, row.case_id, row.payload)
    return entry if payload is row.payload else entry.model_copy(update={"payload": payload})


def case_as_of(*, session: Session, case_id: str, as_of: datetime) -> CaseFile | None:
    """The case as it stood at ``as_of``, rebuilt by replaying its timeline up to then."""
    rows = session.scalars(
        select(CaseEventRecord)
        .where(CaseEventRecord.case_id == case_id, CaseEventRecord.at <= as_of)
        .order_by(CaseEventRecord.seq)
    )
    case: CaseFile | None = None
    for event in events_of(rows, session=session):
        case = rules.evolve(case, event)
    return case


def case_history(*, session: Session, case_id: str) -> list[CaseEvent]:
    """Every recorded step of the case, in order."""
    rows = session.scalars(
        select(CaseEventRecord)
        .where(CaseEventRecord.case_id == case_id)
        .order_by(CaseEventRecord.seq)
    )
    return list(events_of(rows, session=session))


def events_of(rows: Iterable[CaseEventRecord], *, session: Session) -> Iterable[CaseEvent]:
    """Recorded events as steps again, their personal fields opened (or marked erased)."""
    for row in rows:
        yield CaseEvent(
            case_id=row.case_id,
            seq=row.seq,
            at=row.at,
            actor=Actor(id=row.actor, role=Role(row.role)),
            target=row.target,
            step=_STEP.validate_python(readable_payload(session, row.case_id, row.payload)),
            clocks=row.clocks or [],
        )


def verify_case(*, session: Session, case_id: str) -> Verification:
    """Walk the chain from the first event; report the first row whose hash does not hold."""
    rows = session.scalars(
        select(CaseEventRecord)
        .where(CaseEventRecord.case_id == case_id)
        .order_by(CaseEventRecord.seq)
        .execution_options(yield_per=500)
    )
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for row in rows:
        problem = None
        if row.seq != expected_seq:
            problem = f"sequence jumps from {expected_seq - 1} to {row.seq}"
        elif row.prev_hash != prev_hash:
            problem = "does not link to the event before it"
        elif row.hash != chain_hash(prev_hash, canonical_row(row)):
            problem = "content does not match its hash (altered)"
        if problem:
            return Verification(
                case_id=case_id,
                ok=False,
                events_checked=checked,
                first_broken_seq=row.seq,
                problem=problem,
            )
        prev_hash, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    return Verification(case_id=case_id, ok=True, events_checked=checked)


def verify_all(*, session: Session) -> Iterable[Verification]:
    for case_id in session.scalars(select(CaseRecord.id).order_by(CaseRecord.id)):
        yield verify_case(session=session, case_id=case_id)
