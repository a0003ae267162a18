"""Lists of the register: who is in it, by category, township, flag or name."""

from __future__ import annotations

import base64
import binascii
import json

from pydantic import BaseModel, Field
from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from services.cases.names import name_key
from services.kernel.errors import InvalidInput
from services.kernel.values import SearchText
from services.register.model import Category, Flag, PersonPage, PersonSummary
from services.register.people import FLAG_COLUMNS
from services.register.records import PersonRecord


class PersonFilter(BaseModel):
    """Every criterion is optional; given ones must all hold."""

    category: Category | None = None
    township: SearchText | None = None
    flag: Flag | None = None
    text: SearchText | None = Field(
        default=None, max_length=50, description="Name, or the start of its pinyin"
    )


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


def list_people(
    *, session: Session, centre: str, where: PersonFilter, limit: int, cursor: str | None = None
) -> PersonPage:
    """A page of the centre's register in pinyin order of names."""
    query = select(PersonRecord).where(PersonRecord.centre == centre)
    if where.category is not None:
        query = query.where(PersonRecord.category == where.category.value)
    if where.township is not None:
        query = query.where(PersonRecord.township == where.township)
    if where.flag is not None:
        query = query.where(getattr(PersonRecord, FLAG_COLUMNS[where.flag]).is_(True))
    if where.text is not None:
        key = name_key(where.text)
        conditions = [PersonRecord.name.contains(where.text.strip(), autoescape=True)]
        if key:
            conditions.append(PersonRecord.name_key.startswith(key, autoescape=True))
        query = query.where(or_(*conditions))
    if cursor is not None:
        query = query.where(tuple_(PersonRecord.name_key, PersonRecord.id) > _decode(cursor))
    rows = session.scalars(
        query.order_by(PersonRecord.name_key, PersonRecord.id).limit(limit + 1)
    ).all()
    items = [_summary(row) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return PersonPage(items=items, next_cursor=_encode(last.name_key, last.id) if last else None)


def _summary(row: PersonRecord) -> PersonSummary:
    return PersonSummary(
        id=row.id,
        name=row.name,
        category=Category(row.category),
        township=row.township,
        flags=[flag for flag, column in FLAG_COLUMNS.items() if getattr(row, column)],
        birth_date=row.birth_date,
        erased=row.erased_at is not None,
    )


def _encode(key: str, person_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([key, person_id]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, str]:
    try:
        key, person_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(key, str) or not isinstance(person_id, str):
            raise ValueError
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidCursor("cursor is not one this API returned", field="cursor") from None
    return key, person_id
