"""The timeline as evidence: reading it, rebuilding past states from it, verifying its chain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases import rules
from services.cases.checkpoints import Head
from services.cases.model import CaseFile
from services.cases.projection import canonical_row, readable_clocks, readable_payload
from services.cases.records import CaseEventRecord, CaseRecord
from services.cases.steps import CaseEvent, Step
from services.cases.timeline import GENESIS_HASH, chain_hash
from services.kernel.actors import Actor, Role

_STEP = TypeAdapter(Step)
FOLD_BATCH = 500  # events read at a time when a case is rebuilt from its timeline


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


class HistoryPage(BaseModel):
    items: list[CaseEvent]
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
    clocks = readable_clocks(session, row.case_id, row.clocks)
    if payload is row.payload and clocks is row.clocks:
        return entry
    return entry.model_copy(update={"payload": payload, "clocks": clocks})


def case_as_of(*, session: Session, case_id: str, as_of: datetime) -> CaseFile | None:
    """The case as it stood at ``as_of``, rebuilt by replaying its timeline up to then;
    the events stream in batches, so a long timeline is never held whole."""
    rows = session.scalars(
        select(CaseEventRecord)
        .where(CaseEventRecord.case_id == case_id, CaseEventRecord.at <= as_of)
        .order_by(CaseEventRecord.seq)
        .execution_options(yield_per=FOLD_BATCH)
    )
    case: CaseFile | None = None
    for event in events_of(rows, session=session):
        case = rules.evolve(case, event)
    return case


def history_page(*, session: Session, case_id: str, after_seq: int, limit: int) -> HistoryPage:
    """The case's recorded steps after ``after_seq``, at most ``limit`` of them, in order."""
    rows = session.scalars(
        select(CaseEventRecord)
        .where(CaseEventRecord.case_id == case_id, CaseEventRecord.seq > after_seq)
        .order_by(CaseEventRecord.seq)
        .limit(limit + 1)
    ).all()
    items = list(events_of(rows[:limit], session=session))
    more = len(rows) > limit
    return HistoryPage(items=items, next_after_seq=items[-1].seq if more else None)


def case_history(*, session: Session, case_id: str) -> list[CaseEvent]:
    """Every recorded step of the case, in order (for tools; the API serves pages)."""
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
            clocks=readable_clocks(session, row.case_id, row.clocks) or [],
        )


def verify_case(*, session: Session, case_id: str, anchor: Head | None = None) -> Verification:
    """Walk the chain from the first event; report the first row whose hash does not
    hold, a timeline that ends before the case's version (its last events removed), or,
    given the case's ``anchor`` from a signed checkpoint, a chain that no longer passes
    through it (rewritten, or cut short)."""
    # Read before the events: steps recorded meanwhile only add events after the version.
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == case_id))
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
        elif anchor is not None and row.seq == anchor.seq and row.hash != anchor.hash:
            problem = "differs from the signed checkpoint: the timeline up to it was rewritten"
        if problem:
            return _broken(case_id, checked, row.seq, problem)
        prev_hash, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    if anchor is not None and checked < anchor.seq:
        problem = f"the timeline ends before event {anchor.seq} of the signed checkpoint"
        return _broken(case_id, checked, checked + 1, f"{problem}: events were removed")
    if version is not None and checked < version:
        problem = f"the timeline ends at event {checked} but the case is at version {version}"
        return _broken(case_id, checked, checked + 1, f"{problem}: events were removed")
    return Verification(case_id=case_id, ok=True, events_checked=checked)


def _broken(case_id: str, checked: int, seq: int, problem: str) -> Verification:
    return Verification(
        case_id=case_id, ok=False, events_checked=checked, first_broken_seq=seq, problem=problem
    )


def verify_all(
    *, session: Session, anchors: Mapping[str, Head] | None = None
) -> Iterable[Verification]:
    """Every case, each against its anchor if ``anchors`` (a checkpoint's heads) has one;
    a case of the checkpoint that is no longer in the database is broken too."""
    anchors = anchors or {}
    seen = set()
    for case_id in session.scalars(select(CaseRecord.id).order_by(CaseRecord.id)):
        seen.add(case_id)
        yield verify_case(session=session, case_id=case_id, anchor=anchors.get(case_id))
    for case_id in sorted(anchors.keys() - seen):
        yield _broken(case_id, 0, 1, "in the signed checkpoint but not in the database")
