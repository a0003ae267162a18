"""Plausible dates: each date a client sends lies in a window, or is refused naming its
field (a job referral dated 9999-12-31 is a typing slip, and a year the calendar cannot
represent must not reach the code that adds days to it).

The windows run from a fixed first day to a span around today. Each type's schema
states a pattern of whole years inside its window, so that a request valid by the schema
is never refused: the pattern is the years from the first to the last complete one the
window holds (computed when the schema is built); the code's window is wider.
Like text, a date read back from where it was kept is taken as it was accepted.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from services.kernel.values import as_utc, reading_stored

EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_EVENT = date(1950, 1, 1)
# What the centre plans ahead: a referral, an interview, a course, a payment.
EVENT_AHEAD = timedelta(days=366)
# Report periods and moments in queries: years every calendar and time zone can represent.
EARLIEST_PERIOD = date(1900, 1, 1)
LATEST_PERIOD = date(2199, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_DAY = r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"


def _today() -> date:
    # The latest time zone on Earth is UTC+14: "today" anywhere is at most this.
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def years_pattern(first: int, last: int) -> str:
    """A regular expression matching the years ``first`` to ``last``, decade by decade."""
    parts = []
    year = first
    while year <= last:
        decade_end = min(year - year % 10 + 9, last)
        stem = str(year)[:3]
        if year % 10 == 0 and decade_end % 10 == 9:
            parts.append(f"{stem}[0-9]")
        else:
            parts.append(f"{stem}[{year % 10}-{decade_end % 10}]")
        year = decade_end + 1
    return "(" + "|".join(parts) + ")"


def _not_a_number(value: Any) -> Any:
    """Pydantic would read a bare number as seconds since 1970: a client that sends one
    meant something else."""
    if reading_stored():
        return value
    if isinstance(value, int | float) or (
        isinstance(value, str) and not _ISO_DATE.match(value.strip())
    ):
        raise ValueError("must be an ISO 8601 date such as 2026-03-01 (not a number)")
    return value


def _window(earliest: date, latest: Any) -> Any:
    def check(value: date) -> date:
        if reading_stored():
            return value
        day = value.date() if isinstance(value, datetime) else value
        last: date = latest()
        if not earliest <= day <= last:
            raise ValueError(f"must be between {earliest} and {last}")
        return value

    return check


def date_in(earliest: date, latest: Any, *, last_year: int, what: str) -> Any:
    """A date from ``earliest`` to ``latest()`` (a function: today moves on)."""
    pattern = f"^{years_pattern(earliest.year, last_year)}{_MONTH_DAY}$"
    return Annotated[
        date,
        BeforeValidator(_not_a_number),
        AfterValidator(_window(earliest, latest)),
        Field(json_schema_extra={"pattern": pattern, "x-window": f"{earliest}; {what}"}),
    ]


def _this_year() -> int:
    return datetime.now(UTC).year


if TYPE_CHECKING:
    BirthDate = date
    EventDate = date
    PeriodDate = date
    QueryMoment = datetime
    EventMoment = datetime
else:
    BirthDate = date_in(
        EARLIEST_BIRTH, _today, last_year=_this_year() - 1, what="Not in the future"
    )
    EventDate = date_in(
        EARLIEST_EVENT,
        lambda: _today() + EVENT_AHEAD,
        last_year=_this_year(),
        what=f"At most {EVENT_AHEAD.days} days ahead",
    )
    PeriodDate = date_in(
        EARLIEST_PERIOD,
        lambda: LATEST_PERIOD,
        last_year=LATEST_PERIOD.year,
        what=f"Up to {LATEST_PERIOD}",
    )
    # A moment a query filters or rebuilds by: an ISO 8601 date-time (never a bare
    # number), in the years a report may cover.
    QueryMoment = Annotated[
        datetime,
        BeforeValidator(_not_a_number),
        AfterValidator(as_utc),
        AfterValidator(_window(EARLIEST_PERIOD, lambda: LATEST_PERIOD)),
        Field(
            json_schema_extra={
                "pattern": f"^{years_pattern(EARLIEST_PERIOD.year, LATEST_PERIOD.year)}-"
            }
        ),
    ]
    # A moment a step records (a letter sent, an answer received).
    EventMoment = Annotated[
        datetime,
        BeforeValidator(_not_a_number),
        AfterValidator(as_utc),
        AfterValidator(_window(EARLIEST_EVENT, lambda: _today() + EVENT_AHEAD)),
        Field(
            json_schema_extra={"pattern": f"^{years_pattern(EARLIEST_EVENT.year, _this_year())}-"}
        ),
    ]
