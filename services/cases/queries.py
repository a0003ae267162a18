"""Reads of the case read model: one case, filtered lists, open tasks."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.model import CaseFile, ClaimantCategory, NationalId, Need, Phone
from services.cases.names import identifier_hash, name_key
from services.cases.numbers import is_case_number
from services.cases.progress import TaskKind
from services.cases.records import CaseNeedRecord, CaseRecord, CaseTaskRecord
from services.cases.sealing import document_is_sealed, opened_document
from services.crypto.case_keys import unwrapped_ring
from services.crypto.records import CaseKeyRecord
from services.kernel.actors import Role
from services.kernel.errors import InvalidInput
from services.kernel.values import Moment


class CaseSummary(BaseModel):
    id: str
    number: str | None
    version: int
    stage: Stage
    category: ClaimantCategory
    needs: list[Need]
    centre: str
    priority: bool
    claimant_name: str
    summary: str | None
    intake_by: str
    lawyer: str | None
    outcome: CaseOutcome | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


MIN_NAME_KEY = 3
INITIALS = re.compile(r"[A-Za-z]{2,10}")


class SortKey(StrEnum):
    OPENED_AT = "opened_at"
    UPDATED_AT = "updated_at"


class CaseFilter(BaseModel):
    """Every criterion is optional; given ones must all hold."""

    stage: Stage | None = None
    category: ClaimantCategory | None = None
    need: Need | None = None
    lawyer: str | None = Field(default=None, max_length=100)
    intake_by: str | None = Field(default=None, max_length=100)
    centre: str | None = Field(default=None, max_length=100)
    opened_from: Moment | None = None
    opened_to: Moment | None = None
    closed_from: Moment | None = None
    closed_to: Moment | None = None
    text: str | None = Field(default=None, min_length=1, max_length=100)
    overdue: bool | None = Field(default=None, description="Has a breached deadline not yet met")
    priority: bool | None = None
    national_id: NationalId | None = Field(
        default=None, description="Exactly this ID number (matched on its keyed hash)"
    )
    phone: Phone | None = Field(
        default=None, description="Exactly this phone number (matched on its keyed hash)"
    )

    def lookup(self) -> list[str]:
        """The identifiers this filter looks a person up by (the access log names them)."""
        return [name for name in ("national_id", "phone") if getattr(self, name) is not None]


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


class Task(BaseModel):
    case_id: str
    kind: TaskKind
    target: str | None
    assignee: str | None
    role: Role
    since: datetime | None


@dataclass(frozen=True)
class StoredCase:
    """A case's row as stored: whose it is, and its document with the personal fields
    still sealed (opened only by :func:`opened_case`, for a caller allowed to read them)."""

    id: str
    centre: str
    lawyer: str | None
    document: dict[str, Any]
    wrapped_key: str | None
    key_destroyed_at: datetime | None = None


# Built once: every request of one case runs it, and building it costs more than running it.
_STORED_CASE = (
    select(
        CaseRecord.centre,
        CaseRecord.lawyer,
        CaseRecord.document,
        CaseKeyRecord.wrapped_key,
        CaseKeyRecord.destroyed_at,
    )
    .outerjoin(CaseKeyRecord, CaseKeyRecord.case_id == CaseRecord.id)
    .where(CaseRecord.id == bindparam("case_id"))
)


def stored_case(*, session: Session, case_id: str) -> StoredCase | None:
    """The case's row and its wrapped key in one query; None if there is no such case."""
    row = session.execute(_STORED_CASE, {"case_id": case_id}).first()
    if row is None:
        return None
    return StoredCase(
        case_id, row.centre, row.lawyer, row.document, row.wrapped_key, row.destroyed_at
    )


def opened_case(stored: StoredCase) -> CaseFile:
    """The case with its personal fields readable (or, once its key is destroyed, erased)."""
    document = stored.document
    if document_is_sealed(document):
        ring = unwrapped_ring(stored.id, stored.wrapped_key, stored.key_destroyed_at)
        document = opened_document(document, ring)
    return CaseFile.model_validate(document)


def case_id_by_number(*, session: Session, centre: str, number: str) -> str | None:
    """The id of the centre's case with ``number``, if there is one."""
    return session.scalar(
        select(CaseRecord.id).where(CaseRecord.centre == centre, CaseRecord.number == number)
    )


def get_case(*, session: Session, case_id: str) -> CaseFile | None:
    stored = stored_case(session=session, case_id=case_id)
    return opened_case(stored) if stored is not None else None


def list_cases(
    *,
    session: Session,
    limit: int,
    cursor: str | None = None,
    where: CaseFilter | None = None,
    sort: SortKey = SortKey.OPENED_AT,
    descending: bool = True,
    identity_key: bytes | None = None,
) -> CasePage:
    """A page of cases; the cursor is opaque to callers and stable under concurrent writes.
    A lookup by ID number or phone needs ``identity_key`` (their hashes' key)."""
    column: InstrumentedAttribute[datetime] = getattr(CaseRecord, sort.value)
    order = (column.desc(), CaseRecord.id.desc()) if descending else (column, CaseRecord.id)
    # A summary never needs the case document: a few kilobytes of JSON per row that
    # would be fetched and decoded for nothing.
    rows_only = select(CaseRecord).options(defer(CaseRecord.document, raiseload=True))
    query = _filtered(rows_only, where or CaseFilter(), identity_key).order_by(*order)
    if cursor:
        value, case_id = _decode_cursor(cursor)
        before = column < value if descending else column > value
        tie = CaseRecord.id < case_id if descending else CaseRecord.id > case_id
        query = query.where(or_(before, and_(column == value, tie)))
    rows = session.scalars(query.limit(limit + 1)).all()
    items = [_summary(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode_cursor(getattr(last, sort.value), last.id)
    return CasePage(items=items, next_cursor=next_cursor)


def list_tasks(
    *,
    session: Session,
    assignee: str | None = None,
    role: Role | None = None,
    kind: TaskKind | None = None,
    limit: int = 100,
    centre: str | None = None,
    lawyer: str | None = None,
) -> list[Task]:
    """Work waiting on a person (or a role), oldest first; with ``centre`` or ``lawyer``
    only on cases of that centre or assigned to that lawyer."""
    query = select(CaseTaskRecord)
    if centre is not None or lawyer is not None:
        query = query.join(CaseRecord, CaseRecord.id == CaseTaskRecord.case_id)
    if centre is not None:
        query = query.where(CaseRecord.centre == centre)
    if lawyer is not None:
        query = query.where(CaseRecord.lawyer == lawyer)
    if assignee is not None:
        query = query.where(CaseTaskRecord.assignee == assignee)
    if role is not None:
        query = query.where(CaseTaskRecord.role == role.value)
    if kind is not None:
        query = query.where(CaseTaskRecord.kind == kind.value)
    query = query.order_by(CaseTaskRecord.since, CaseTaskRecord.id).limit(limit)
    return [
        Task(
            case_id=row.case_id,
            kind=TaskKind(row.kind),
            target=row.target,
            assignee=row.assignee,
            role=Role(row.role),
            since=row.since,
        )
        for row in session.scalars(query)
    ]


def _filtered(
    query: Select[Any], where: CaseFilter, identity_key: bytes | None = None
) -> Select[Any]:
    if where.lookup() and identity_key is None:
        raise ValueError("a lookup by ID number or phone needs the identity hash key")
    equal = {
        CaseRecord.priority: where.priority,
        CaseRecord.national_id_hash: _hash_of(identity_key, where.national_id),
        CaseRecord.phone_hash: _hash_of(identity_key, where.phone),
        CaseRecord.stage: where.stage,
        CaseRecord.category: where.category,
        CaseRecord.lawyer: where.lawyer,
        CaseRecord.intake_by: where.intake_by,
        CaseRecord.centre: where.centre,
        CaseRecord.overdue: where.overdue,
    }
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    ranges: list[tuple[Any, datetime | None, datetime | None]] = [
        (CaseRecord.opened_at, where.opened_from, where.opened_to),
        (CaseRecord.closed_at, where.closed_from, where.closed_to),
    ]
    for column, low, high in ranges:
        if low is not None:
            query = query.where(column >= low)
        if high is not None:
            query = query.where(column < high)
    if where.need is not None:
        query = query.where(
            exists().where(
                CaseNeedRecord.case_id == CaseRecord.id, CaseNeedRecord.need == where.need.value
            )
        )
    if where.text:
        pattern = f"%{_escape_like(where.text)}%"
        key = name_key(where.text)
        text_matches: list[ColumnElement[bool]] = [
            CaseRecord.claimant_name.ilike(pattern, escape="\\"),
            CaseRecord.summary.ilike(pattern, escape="\\"),
        ]
        if is_case_number(where.text):
            text_matches.append(CaseRecord.number == where.text)
        # A key of a letter or two (from "R7", say) would match nearly every name.
        if len(key) >= MIN_NAME_KEY:
            text_matches.append(CaseRecord.name_key.like(f"%{key}%"))
        # Latin letters alone may be a name's initials (wjg: 王建国), typed from its start.
        if INITIALS.fullmatch(where.text):
            text_matches.append(CaseRecord.name_initials.like(f"{where.text.lower()}%"))
        query = query.where(or_(*text_matches))
    return query


def _hash_of(key: bytes | None, value: str | None) -> str | None:
    return identifier_hash(key, value) if key is not None and value else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(row: CaseRecord) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        number=row.number,
        version=row.version,
        stage=Stage(row.stage),
        category=ClaimantCategory(row.category),
        needs=[Need(need) for need in row.needs],
        centre=row.centre,
        priority=row.priority,
        claimant_name=row.claimant_name,
        summary=row.summary,
        intake_by=row.intake_by,
        lawyer=row.lawyer,
        outcome=CaseOutcome(row.outcome) if row.outcome else None,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


def _encode_cursor(value: datetime, case_id: str) -> str:
    raw = json.dumps([value.isoformat(), case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, case_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(value), str(case_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidCursor("cursor is not one this API returned", field="cursor") from None
