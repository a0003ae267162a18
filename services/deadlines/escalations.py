"""Keeping the escalation table: every breached clock of a case, for supervisors."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.cases.model import CaseFile
from services.deadlines.records import EscalationRecord


def project_escalations(session: Session, case: CaseFile) -> None:
    for clock in case.clocks:
        if not clock.breached:
            continue
        row = session.get(EscalationRecord, (case.id, clock.id))
        if row is None:
            row = EscalationRecord(case_id=case.id, clock_id=clock.id)
            session.add(row)
        row.kind = clock.kind.value
        row.target = clock.target
        row.centre = case.centre
        row.assignee = clock.assignee
        row.level = clock.level
        row.rung = clock.rung or ""
        row.due_at = clock.due_at
        row.satisfied_at = clock.satisfied_at
        row.late_by_seconds = clock.late_by_seconds
        row.late_reason = clock.late_reason
