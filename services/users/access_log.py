"""The record of who read which case's personal data, for supervisors to audit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from pydantic import BaseModel, Field
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from services.cases.model import CaseFile
from services.kernel.actors import Role
from services.kernel.values import Moment
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
    fields = [
        f"claimant.{name}"
        for name in (*PERSONAL_FIELDS, "situation")
        if getattr(claimant, name) not in (None, [])
    ]
    return [*fields, "notes"] if case.notes else fields


# Built once and run with plain parameters: the ORM's unit of work, or building the
# statement's values each time, would cost several times the INSERT on every read.
_INSERT_READ = insert(cast(Table, AccessLogRecord.__table__))


def record_read(*, session: Session, user: User, case: CaseFile, action: str) -> None:
    record_reads(
        session=session,
        reader=(user.username, user.role),
        centre=case.centre,
        case_ids=[case.id],
        action=action,
        fields=personal_fields(case),
    )


def record_reads(
    *,
    session: Session,
    reader: tuple[str, Role],
    centre: str,
    case_ids: Sequence[str],
    action: str,
    fields: list[str],
) -> None:
    """One row per case whose ``fields`` a response showed (a list: each case on its page)."""
    if not case_ids:
        return
    username, role = reader
    at = datetime.now(UTC)
    session.execute(
        _INSERT_READ,
        [
            {
                "case_id": case_id,
                "centre": centre,
                "username": username,
                "role": role.value,
                "action": action,
                "fields": fields,
                "at": at,
            }
            for case_id in case_ids
        ],
    )


class AccessFilter(BaseModel):
    """Which reads to list: every criterion optional; given ones must all hold."""

    username: str | None = Field(default=None, max_length=100)
    case_id: uuid.UUID | None = None
    since: Moment | None = Field(default=None, description="At or after this moment")
    until: Moment | None = Field(default=None, description="Before this moment")


def reads_of(
    *,
    session: Session,
    centre: str,
    case_id: str | None = None,
    limit: int = 100,
    where: AccessFilter | None = None,
) -> list[AccessEntry]:
    """Reads of personal data at ``centre`` (of one case if given), newest first."""
    where = where or AccessFilter()
    query = select(AccessLogRecord).where(AccessLogRecord.centre == centre)
    if case_id is None and where.case_id is not None:
        case_id = str(where.case_id)
    if case_id is not None:
        query = query.where(AccessLogRecord.case_id == case_id)
    if where.username is not None:
        query = query.where(AccessLogRecord.username == where.username)
    if where.since is not None:
        query = query.where(AccessLogRecord.at >= where.since)
    if where.until is not None:
        query = query.where(AccessLogRecord.at < where.until)
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


def record_file_read(
    *, session: Session, user: User, case_id: str, centre: str, action: str, what: str
) -> None:
    """A download of a file kept with a case (a referral letter, evidence): ``what``
    names it, as the fields of a read name what was shown."""
    session.execute(
        _INSERT_READ,
        {
            "case_id": case_id,
            "centre": centre,
            "username": user.username,
            "role": user.role.value,
            "action": action,
            "fields": [what],
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
