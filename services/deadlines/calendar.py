"""Working days: weekends, public holidays and make-up working days (调休), per year.

Each year is a JSON file the centre can update (``services/deadlines/calendars/YYYY.json``
or a folder of its own): ``holidays`` are days off that may fall on weekdays, ``workdays``
are weekend days that are worked. A year without a file counts weekends only, and says
so in its version, so a clock records exactly which calendar it was computed with.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

from pydantic import BaseModel, Field

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "calendars"


class YearCalendar(BaseModel):
    year: int
    version: str
    holidays: dict[date, str] = Field(default_factory=dict)
    workdays: list[date] = Field(default_factory=list)


class WorkingCalendar(BaseModel):
    """The calendar in force: the years it knows and the centre's offset from UTC."""

    years: dict[int, YearCalendar]
    utc_offset_minutes: int = 480

    @property
    def version(self) -> str:
        known = ",".join(f"{year}:{cal.version}" for year, cal in sorted(self.years.items()))
        return known or "weekends-only"

    def is_working_day(self, day: date) -> bool:
        year = self.years.get(day.year)
        if year is not None:
            if day in year.workdays:
                return True
            if day in year.holidays:
                return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local time on the ``days``-th working day after ``start``'s local day."""
        offset = timedelta(minutes=self.utc_offset_minutes)
        local = start + offset
        day, counted = local.date(), 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day, local.timetz()) - offset

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) fell on working days (for lateness in working days)."""
        offset = timedelta(minutes=self.utc_offset_minutes)
        cursor, total = start + offset, timedelta(0)
        stop = end + offset
        while cursor < stop:
            next_midnight = datetime.combine(
                cursor.date() + timedelta(days=1), time(0), cursor.tzinfo
            )
            chunk_end = min(next_midnight, stop)
            if self.is_working_day(cursor.date()):
                total += chunk_end - cursor
            cursor = chunk_end
        return total


def load_calendar(directory: Path, years: range, utc_offset_minutes: int) -> WorkingCalendar:
    """Read the year files there are for ``years`` (I/O: call it from an activity)."""
    found = {}
    for year in years:
        path = directory / f"{year}.json"
        if path.exists():
            found[year] = YearCalendar.model_validate(json.loads(path.read_text()))
    return WorkingCalendar(years=found, utc_offset_minutes=utc_offset_minutes)
