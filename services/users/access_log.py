"""The record of who read which case's personal data, for supervisors to audit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from pydantic import BaseModel
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from services.cases.model import CaseFile
from services.users.model import User
from services.users.records import AccessLogRecord

PERSONAL_FIELDS = ("name", "national_id", "birth_date", "phone", "address", "household")


class AccessEntry(BaseModel):
    case_id: str
    username: str
    role: str
    action: str
    fields: list[str]
    at: datetime


def personal_fields(case: CaseFile) -> list[str]:
    """The claimant's personal fields that the case holds (what a full read reveals)."""
    claimant = case.claimant
    return [
        f"claimant.{name}"
        for name in (*PERSONAL_FIELDS, "situation")
        if getattr(claimant, name) not in (None, [])
    ]


# Built once and run with plain parameters: the ORM's unit of work, or building the
# statement's values each time, would cost several times the INSERT on every read.
_INSERT_READ = insert(cast(Table, AccessLogRecord.__table__))


def record_read(*, session: Session, user: User, case: CaseFile, action: str) -> None:
    session.execute(
        _INSERT_READ,
        {
            "case_id": case.id,
            "centre": case.centre,
            "username": user.username,
            "role": user.role.value,
            "action": action,
            "fields": personal_fields(case),
            "at": datetime.now(UTC),
        },
    )


def reads_of(
    *, session: Session, centre: str, case_id: str | None = None, limit: int = 100
) -> list[AccessEntry]:
    """Reads of personal data at ``centre`` (of one case if given), newest first."""
    query = select(AccessLogRecord).where(AccessLogRecord.centre == centre)
    if case_id is not None:
        query = query.where(AccessLogRecord.case_id == case_id)
    query = query.order_by(AccessLogRecord.at.desc(), AccessLogRecord.id.desc()).limit(limit)
    return [
        AccessEntry(
            case_id=row.case_id,
            username=row.username,
            role=row.role,
            action=row.action,
            fields=list(row.fields),
            at=row.at,
        )
        for row in session.scalars(query)
    ]


def record_payload_read(
    *, session: Session, user: User, case_id: str, centre: str, action: str
) -> None:
    """A read of a case's Temporal payloads (its history, through the codec server): what
    they hold is not known here, so the row names them as a whole."""
    session.execute(
        _INSERT_READ,
        {
            "case_id": case_id,
            "centre": centre,
            "username": user.username,
            "role": user.role.value,
            "action": action,
            "fields": ["temporal.payloads"],
            "at": datetime.now(UTC),
        },
    )


# A summary export is of the centre, not of one case: its row names no case.
CENTRE_WIDE = ""


def record_export(
    *,
    session: Session,
    user: User,
    centre: str,
    case_ids: list[str],
    action: str,
    fields: list[str],
) -> None:
    """An export of ``fields`` of these cases (one row each), or of the centre's figures
    (``case_ids=[CENTRE_WIDE]``), by ``user``."""
    at = datetime.now(UTC)
    rows = [
        {
            "case_id": case_id,
            "centre": centre,
            "username": user.username,
            "role": user.role.value,
            "action": action,
            "fields": fields,
            "at": at,
        }
        for case_id in case_ids
    ]
    if rows:
        session.execute(_INSERT_READ, rows)
