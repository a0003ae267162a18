"""The register's journal: one row for every write and every read of personal data,
in the same transaction as what it records."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from services.kernel.actors import Actor
from services.register.records import JournalRecord


class Action(StrEnum):
    PERSON_ADDED = "person_added"
    PERSON_CHANGED = "person_changed"
    PEOPLE_IMPORTED = "people_imported"
    PERSON_READ = "person_read"
    PERSON_ERASED = "person_erased"
    TOWNSHIP_ASSIGNED = "township_assigned"
    VISIT_RECORDED = "visit_recorded"
    VISITS_READ = "visits_read"
    CASE_LINKED = "case_linked"
    CASES_READ = "cases_read"
    VISIT_CASE_OPENED = "visit_case_opened"


class JournalEntry(BaseModel):
    action: Action
    person_id: str | None
    subject: str | None
    username: str
    role: str
    detail: dict[str, Any]
    at: datetime


_INSERT = insert(cast(Table, JournalRecord.__table__))


def write(
    *,
    session: Session,
    centre: str,
    action: Action,
    actor: Actor,
    person_id: str | None = None,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    session.execute(
        _INSERT,
        {
            "centre": centre,
            "action": action.value,
            "person_id": person_id,
            "subject": subject,
            "username": actor.id,
            "role": actor.role.value,
            "detail": detail or {},
            "at": at or datetime.now(UTC),
        },
    )


def entries(
    *, session: Session, centre: str, person_id: str | None = None, limit: int = 100
) -> list[JournalEntry]:
    """The centre's journal (of one person if given), newest first."""
    query = select(JournalRecord).where(JournalRecord.centre == centre)
    if person_id is not None:
        query = query.where(JournalRecord.person_id == person_id)
    query = query.order_by(JournalRecord.at.desc(), JournalRecord.id.desc()).limit(limit)
    return [
        JournalEntry(
            action=Action(row.action),
            person_id=row.person_id,
            subject=row.subject,
            username=row.username,
            role=row.role,
            detail=row.detail,
            at=row.at,
        )
        for row in session.scalars(query)
    ]
