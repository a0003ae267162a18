"""Reads of the case read model."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.cases.errors import DomainError
from services.cases.model import CaseFile, CaseOutcome, ClaimantCategory, Need, Stage
from services.cases.records import CaseRecord


class CaseSummary(BaseModel):
    id: str
    stage: Stage
    category: ClaimantCategory
    needs: list[Need]
    centre: str
    priority: bool
    claimant_name: str
    summary: str | None
    outcome: CaseOutcome | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


class InvalidCursor(DomainError):
    status = 422
    code = "invalid_cursor"


def get_case(*, session: Session, case_id: str) -> CaseFile | None:
    document = session.scalar(select(CaseRecord.document).where(CaseRecord.id == case_id))
    return CaseFile.model_validate(document) if document is not None else None


def list_cases(*, session: Session, limit: int, cursor: str | None = None) -> CasePage:
    """Newest first; the cursor is opaque to callers and stable under concurrent inserts."""
    query = select(CaseRecord).order_by(CaseRecord.opened_at.desc(), CaseRecord.id.desc())
    if cursor:
        opened_at, case_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                CaseRecord.opened_at < opened_at,
                and_(CaseRecord.opened_at == opened_at, CaseRecord.id < case_id),
            )
        )
    rows = session.scalars(query.limit(limit + 1)).all()
    items = [_summary(row) for row in rows[:limit]]
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return CasePage(items=items, next_cursor=next_cursor)


def _summary(row: CaseRecord) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        stage=Stage(row.stage),
        category=ClaimantCategory(row.category),
        needs=[Need(need) for need in row.needs],
        centre=row.centre,
        priority=row.priority,
        claimant_name=row.claimant_name,
        summary=row.summary,
        outcome=CaseOutcome(row.outcome) if row.outcome else None,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


def _encode_cursor(row: CaseRecord) -> str:
    raw = json.dumps([row.opened_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        opened_at, case_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(opened_at), str(case_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidCursor("cursor is not one this API returned", field="cursor") from None
