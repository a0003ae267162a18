"""Case numbers people can say on the phone: ``2026-0042``, per centre and year.

A number is taken once per case, in one transaction that bumps the centre's counter for
the year and records which case got it: a transaction that fails takes nothing (no gap),
the counter's row is locked until it commits (no duplicate), and a repeat for the same
case reads the number it was given (the case workflow takes it through an activity,
which may run more than once).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.cases.records import CaseNumberCounterRecord, CaseNumberRecord
from services.kernel.errors import InvalidInput
from services.kernel.values import Frozen

NUMBER_PATTERN = r"^\d{4}-\d{4,6}$"
_NUMBER = re.compile(NUMBER_PATTERN)
# The name an allocation that can never succeed has in a case's history and in the API's
# problem details (the class below).
CASE_NUMBER_FAILED = "CaseNumberFailed"


class CaseNumberFailed(InvalidInput):
    """The database refuses the intake's centre for a number (a value below the API's
    boundary, such as a NUL on PostgreSQL): a repeat fails the same way, so the intake
    is refused at once, and nothing is recorded."""

    code = "case_number_failed"


class NumberRequest(Frozen):
    """What the case workflow asks for as the case opens."""

    case_id: str
    centre: str
    at: datetime
    utc_offset_minutes: int = 480


def local_year(at: datetime, utc_offset_minutes: int) -> int:
    """The year at the centre at ``at``: a case opened on 31 December at 23:30 in
    Beijing is that year's, though it is the next in no timezone but UTC's."""
    return (at + timedelta(minutes=utc_offset_minutes)).year


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:04d}"


def is_case_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def allocate_case_number(*, session: Session, request: NumberRequest) -> str:
    """The case's number: the one it was given, or the centre's next for the year."""
    given = session.get(CaseNumberRecord, request.case_id)
    if given is not None:
        return format_number(given.year, given.seq)
    year = local_year(request.at, request.utc_offset_minutes)
    seq = _next_seq(session, request.centre, year)
    session.add(
        CaseNumberRecord(case_id=request.case_id, centre=request.centre, year=year, seq=seq)
    )
    # A concurrent repeat for the same case fails here (its primary key), and its
    # transaction's bump of the counter goes with it.
    session.flush()
    return format_number(year, seq)


def given_number(*, session: Session, case_id: str) -> str | None:
    """The number the case was given, if any."""
    given = session.get(CaseNumberRecord, case_id)
    return None if given is None else format_number(given.year, given.seq)


def _next_seq(session: Session, centre: str, year: int) -> int:
    """Bump the counter in one statement; its row stays locked until the commit."""
    table = cast(Table, CaseNumberCounterRecord.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(centre=centre, year=year, last=1)
        .on_conflict_do_update(index_elements=["centre", "year"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    seq = session.execute(statement).scalar_one()
    return int(seq)


def counter_of(*, session: Session, centre: str, year: int) -> int:
    """How many numbers the centre has given in ``year``."""
    last = session.scalar(
        select(CaseNumberCounterRecord.last).where(
            CaseNumberCounterRecord.centre == centre, CaseNumberCounterRecord.year == year
        )
    )
    return last or 0
