"""Working-day calendars that do not run out: which years are missing (and from when the
next one is wanted), and what a calendar file must be to be imported."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.deadlines.calendar import (
    DEFAULT_DIRECTORY,
    WARN_DAYS_BEFORE,
    missing_years,
    parse_calendar_file,
)

GOOD: dict[str, object] = {
    "year": 2027,
    "version": "2027.1",
    "source": "国务院办公厅关于2027年部分节假日安排的通知",
    "holidays": {"2027-01-01": "New Year's Day", "2027-02-08": "Spring Festival"},
    "workdays": ["2027-02-06"],  # a Saturday worked
}


def with_years(tmp_path: Path, *years: int) -> Path:
    for year in years:
        (tmp_path / f"{year}.json").write_text("{}")
    return tmp_path


def test_the_next_year_is_wanted_from_sixty_days_before_it_begins(tmp_path: Path) -> None:
    folder = with_years(tmp_path, 2026)
    assert WARN_DAYS_BEFORE == 60
    assert missing_years(folder, date(2026, 11, 1)) == []
    assert missing_years(folder, date(2026, 11, 2)) == [2027]
    assert missing_years(with_years(tmp_path, 2027), date(2026, 12, 31)) == []


def test_a_year_under_way_without_a_calendar_is_missing(tmp_path: Path) -> None:
    assert missing_years(tmp_path, date(2028, 3, 1)) == [2028]


def test_the_shipped_calendars_are_valid_calendar_files() -> None:
    for path in sorted(DEFAULT_DIRECTORY.glob("*.json")):
        calendar = parse_calendar_file(path.read_text())
        assert path.name == f"{calendar.year}.json"


def test_a_good_calendar_file_is_read_with_its_source() -> None:
    calendar = parse_calendar_file(json.dumps(GOOD))
    assert (calendar.year, len(calendar.holidays), calendar.workdays) == (
        2027, 2, [date(2027, 2, 6)],
    )  # fmt: skip
    assert calendar.source.startswith("国务院")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"workdays": ["2027-02-06", "2027-02-06"]}, "more than once: 2027-02-06"),
        ({"workdays": ["2027-01-01"]}, "more than once: 2027-01-01"),
        ({"workdays": ["2027-02-10"]}, "weekdays: 2027-02-10"),
        ({"holidays": {"2026-12-31": "New Year's Eve"}}, "2026-12-31 is not in 2027"),
        ({"source": ""}, "source"),
        ({"holidays": {"2027-02-30": "no such day"}}, "holidays"),
    ],
)
def test_a_bad_calendar_file_is_refused_saying_why(change: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_calendar_file(json.dumps({**GOOD, **change}))
    assert says in str(refused.value)


def test_a_holiday_listed_twice_is_refused() -> None:
    text = json.dumps(GOOD).replace(
        '"2027-02-08": "Spring Festival"',
        '"2027-02-08": "Spring Festival", "2027-02-08": "Spring Festival again"',
    )
    with pytest.raises(ValueError, match="more than once: 2027-02-08"):
        parse_calendar_file(text)
