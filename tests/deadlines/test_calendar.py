"""Working days on the shipped 2026 calendar (holidays, make-up days, the local day) and
on years without a file (weekends only)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.deadlines.calendar import DEFAULT_DIRECTORY, WorkingCalendar, load_calendar
from tests.deadlines.support import LOCAL, OFFSET_MINUTES, SATURDAY, SUNDAY


@pytest.fixture(scope="module")
def shipped() -> WorkingCalendar:
    return load_calendar(DEFAULT_DIRECTORY, range(2025, 2027), OFFSET_MINUTES)


def at_local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A local wall time, as the UTC instant the workflow works with."""
    return datetime(year, month, day, hour, tzinfo=LOCAL).astimezone(UTC)


def test_the_shipped_calendar_names_the_years_it_knows_in_its_version(
    shipped: WorkingCalendar,
) -> None:
    versions = {
        year: json.loads((DEFAULT_DIRECTORY / f"{year}.json").read_text())["version"]
        for year in (2025, 2026)
    }
    assert shipped.version == f"2025:{versions[2025]},2026:{versions[2026]}"


def test_three_working_days_after_national_day_eve_end_on_the_make_up_saturday(
    shipped: WorkingCalendar,
) -> None:
    due = shipped.add_working_days(at_local(2026, 9, 30), 3)

    assert due == at_local(2026, 10, 10)  # Thu 8, Fri 9, Sat 10 (worked)
    assert due.astimezone(LOCAL).weekday() == SATURDAY


def test_a_friday_before_spring_festival_counts_the_make_up_saturday_then_skips_the_holiday(
    shipped: WorkingCalendar,
) -> None:
    start = at_local(2026, 2, 13)

    assert shipped.add_working_days(start, 1) == at_local(2026, 2, 14)
    assert shipped.add_working_days(start, 2) == at_local(2026, 2, 24)
    assert shipped.add_working_days(start, 3) == at_local(2026, 2, 25)


def test_the_local_day_not_the_utc_day_is_where_counting_starts(
    shipped: WorkingCalendar,
) -> None:
    # Friday 20:00 UTC is already Saturday 04:00 at the centre: counting starts on Saturday.
    start = datetime(2026, 2, 13, 20, tzinfo=UTC)

    due = shipped.add_working_days(start, 1)

    assert due == at_local(2026, 2, 24, 4)
    assert due == datetime(2026, 2, 23, 20, tzinfo=UTC)


def test_a_make_up_sunday_across_the_new_year_counts_from_the_next_years_file(
    shipped: WorkingCalendar,
) -> None:
    due = shipped.add_working_days(at_local(2025, 12, 31), 1)

    assert due == at_local(2026, 1, 4)
    assert due.astimezone(LOCAL).weekday() == SUNDAY


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # Thursday, National Day
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),  # Sunday
        (date(2026, 10, 12), True),  # Monday
        (date(2026, 2, 14), True),  # Saturday, make-up working day
        (date(2026, 2, 23), False),  # Monday, Spring Festival
    ],
)
def test_holidays_and_make_up_days_override_the_weekday(
    shipped: WorkingCalendar, day: date, working: bool
) -> None:
    assert shipped.is_working_day(day) is working


def test_a_year_without_a_file_counts_weekends_only_and_says_so(tmp_path: Path) -> None:
    calendar = load_calendar(tmp_path, range(2031, 2032), OFFSET_MINUTES)
    friday = at_local(2031, 10, 3)  # would be National Day week if the year had a file

    assert calendar.version == "weekends-only"
    assert calendar.add_working_days(friday, 1) == at_local(2031, 10, 6)
    assert calendar.add_working_days(friday, 5) == at_local(2031, 10, 10)


def test_working_time_between_counts_only_the_hours_on_working_days(
    shipped: WorkingCalendar,
) -> None:
    friday_evening = at_local(2026, 3, 6, 18)
    monday_morning = at_local(2026, 3, 9, 10)

    assert shipped.working_time_between(friday_evening, monday_morning) == timedelta(hours=16)
