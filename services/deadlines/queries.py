"""Reads of deadlines: one case's clocks, and breaches across cases."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases.model import CaseFile
from services.deadlines.clocks import Clock
from services.deadlines.policy import ClockKind
from services.deadlines.records import EscalationRecord


class CaseDeadlines(BaseModel):
    case_id: str
    open: list[Clock]
    breached: list[Clock]


class Escalation(BaseModel):
    case_id: str
    clock_id: str
    kind: ClockKind
    target: str | None
    centre: str
    assignee: str | None
    level: int
    rung: str
    due_at: datetime
    satisfied_at: datetime | None
    late_by_seconds: int
    late_reason: str | None


def deadlines_of(case: CaseFile) -> CaseDeadlines:
    running = [clock for clock in case.clocks if clock.satisfied_at is None]
    return CaseDeadlines(
        case_id=case.id,
        open=sorted(running, key=lambda clock: clock.due_at),
        breached=sorted(
            (clock for clock in case.clocks if clock.breached), key=lambda clock: clock.due_at
        ),
    )


def list_escalations(
    *,
    session: Session,
    now: datetime,
    centre: str | None = None,
    kind: ClockKind | None = None,
    assignee: str | None = None,
    include_met: bool = True,
    limit: int = 100,
    rung: str | None = None,
) -> list[Escalation]:
    """Breached clocks, oldest due first, with how late each is (or was, once met)."""
    query = select(EscalationRecord)
    if centre is not None:
        query = query.where(EscalationRecord.centre == centre)
    if kind is not None:
        query = query.where(EscalationRecord.kind == kind.value)
    if assignee is not None:
        query = query.where(EscalationRecord.assignee == assignee)
    if rung is not None:
        query = query.where(EscalationRecord.rung == rung)
    if not include_met:
        query = query.where(EscalationRecord.satisfied_at.is_(None))
    rows = session.scalars(
        query.order_by(EscalationRecord.due_at, EscalationRecord.case_id).limit(limit)
    )
    return [
        Escalation(
            case_id=row.case_id,
            clock_id=row.clock_id,
            kind=ClockKind(row.kind),
            target=row.target,
            centre=row.centre,
            assignee=row.assignee,
            level=row.level,
            rung=row.rung,
            due_at=row.due_at,
            satisfied_at=row.satisfied_at,
            late_by_seconds=(
                row.late_by_seconds
                if row.satisfied_at is not None and row.late_by_seconds is not None
                else max(int((now - row.due_at).total_seconds()), 0)
            ),
            late_reason=row.late_reason,
        )
        for row in rows
    ]
