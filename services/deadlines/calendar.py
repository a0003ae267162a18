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

from pydantic import BaseModel, Field, model_validator

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


# A year's calendar is wanted this long before the year begins: the State Council
# publishes its notice in the late autumn, and clocks started in November already run
# into January.
WARN_DAYS_BEFORE = 60


def missing_years(directory: Path, today: date) -> list[int]:
    """Years that clocks started now may count in and that have no calendar file: this
    year, and from ``WARN_DAYS_BEFORE`` days before it begins, the next."""
    wanted = [today.year]
    if date(today.year + 1, 1, 1) - today <= timedelta(days=WARN_DAYS_BEFORE):
        wanted.append(today.year + 1)
    return [year for year in wanted if not (directory / f"{year}.json").exists()]


class CalendarFile(YearCalendar):
    """A year's calendar as a centre imports it (``casework calendar import``): every date
    in its year and listed once, make-up working days on weekends, and where it comes from."""

    source: str = Field(min_length=1, description="The State Council notice it transcribes")

    @model_validator(mode="after")
    def _dates_fit(self) -> CalendarFile:
        for day in [*self.holidays, *self.workdays]:
            if day.year != self.year:
                raise ValueError(f"{day} is not in {self.year}")
        twice = sorted({d for d in self.workdays if self.workdays.count(d) > 1})
        twice += sorted(set(self.holidays) & set(self.workdays))
        if twice:
            raise ValueError(f"listed more than once: {', '.join(map(str, twice))}")
        weekdays = [d for d in self.workdays if d.weekday() < 5]
        if weekdays:
            raise ValueError(
                "a make-up working day is a weekend day; these are weekdays: "
                + ", ".join(map(str, weekdays))
            )
        return self


def parse_calendar_file(text: str) -> CalendarFile:
    """Read a calendar file, refusing a date given twice among the holidays (which a JSON
    object would otherwise silently keep once)."""

    def no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return dict(pairs)

    return CalendarFile.model_validate(json.loads(text, object_pairs_hook=no_repeats))
