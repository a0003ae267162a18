"""The pure rules of campaigns, in milliseconds: which holiday is next, when a yearly
campaign starts and what its schedule says, which households a rule selects, when the
ladder's rungs sound and when a campaign closes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.campaigns.holidays import Series, next_holiday, spring_festival, start_dates
from services.campaigns.model import DEFAULT_RULE, CampaignPlan, Clause, Ladder, SeriesPlan
from services.register.model import Category, Flag
from workflows.campaign_schedules import YEARS_AHEAD, schedule_spec

# Published dates of the lunar new year (not computed with the library under test).
PUBLISHED = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
             2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
             2033: date(2033, 1, 31), 2034: date(2034, 2, 19)}  # fmt: skip


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_spring_festival_falls_on_the_published_lunar_new_year(year: int) -> None:
    assert spring_festival(year) == PUBLISHED[year]


def test_the_next_holiday_is_this_years_until_it_has_passed() -> None:
    assert next_holiday(Series.SPRING_FESTIVAL, date(2026, 12, 3)) == date(2027, 2, 6)
    assert next_holiday(Series.SPRING_FESTIVAL, date(2027, 2, 6)) == date(2027, 2, 6)
    assert next_holiday(Series.SPRING_FESTIVAL, date(2027, 2, 7)) == date(2028, 1, 26)
    assert next_holiday(Series.ARMY_DAY, date(2027, 8, 2)) == date(2028, 8, 1)


def test_a_yearly_campaign_starts_the_lead_days_before_each_holiday_to_come() -> None:
    assert start_dates(Series.SPRING_FESTIVAL, 30, date(2026, 12, 3), 3) == [
        date(2027, 1, 7), date(2027, 12, 27), date(2029, 1, 14),
    ]  # fmt: skip
    assert start_dates(Series.ARMY_DAY, 10, date(2027, 7, 22), 2) == [
        date(2028, 7, 22), date(2029, 7, 22),
    ]  # fmt: skip


def _series(series: Series, lead_days: int = 30) -> SeriesPlan:
    return SeriesPlan(series=series, lead_days=lead_days, centre="c", created_by="op")


def test_the_spring_festival_schedule_names_ten_years_of_dates_at_nine_at_the_centre() -> None:
    spec = schedule_spec(_series(Series.SPRING_FESTIVAL), date(2026, 12, 3))

    first = spec.calendars[0]
    assert len(spec.calendars) == YEARS_AHEAD
    # 09:00 in Beijing on 7 January 2027 is 01:00 UTC.
    assert [(r.start) for r in (*first.year, *first.month, *first.day_of_month, *first.hour)] == [
        2027, 1, 7, 1,
    ]  # fmt: skip


def test_the_army_day_schedule_is_one_entry_for_every_year() -> None:
    spec = schedule_spec(_series(Series.ARMY_DAY, lead_days=45), date(2026, 12, 3))

    (entry,) = spec.calendars
    assert (entry.year, entry.month[0].start, entry.day_of_month[0].start) == ((), 6, 17)


def test_a_rule_selects_a_household_if_any_clause_matches_it() -> None:
    assert DEFAULT_RULE.matches(Category.ILLNESS_DEATH_FAMILY, set())
    assert DEFAULT_RULE.matches(Category.VETERAN, {Flag.IN_DIFFICULTY})
    assert not DEFAULT_RULE.matches(Category.VETERAN, {Flag.DISABLED})
    both = Clause(categories=[Category.VETERAN], flags=[Flag.ELDERLY_ALONE, Flag.DISABLED])
    assert both.matches(Category.VETERAN, {Flag.ELDERLY_ALONE, Flag.DISABLED})
    assert not both.matches(Category.VETERAN, {Flag.ELDERLY_ALONE})
    with pytest.raises(ValidationError):
        Clause()


@pytest.mark.parametrize("days", [[3, 7], [7, 7], [100], [-1], []])
def test_a_ladder_is_distinct_days_largest_first(days: list[int]) -> None:
    with pytest.raises(ValidationError):
        Ladder(days_before=days)


def test_rungs_sound_at_nine_at_the_centre_and_the_campaign_closes_after_its_window() -> None:
    plan = CampaignPlan(
        name="春节", holiday=date(2027, 2, 6), window_start=date(2027, 1, 7),
        window_end=date(2027, 2, 6), centre="c", created_by="op",
    )  # fmt: skip

    assert plan.rung_times() == [
        (0, datetime(2027, 1, 30, 1, tzinfo=UTC)),
        (1, datetime(2027, 2, 3, 1, tzinfo=UTC)),
        (2, datetime(2027, 2, 5, 1, tzinfo=UTC)),
    ]
    assert plan.closes_at() == datetime(2027, 2, 6, 16, tzinfo=UTC)  # midnight in Beijing


def test_a_campaign_triggered_early_still_visits_only_in_the_lead_days() -> None:
    early = _series(Series.ARMY_DAY).plan_for(date(2027, 8, 1), started_on=date(2027, 3, 1))
    late = _series(Series.ARMY_DAY).plan_for(date(2027, 8, 1), started_on=date(2027, 7, 20))

    assert (early.window_start, early.window_end) == (date(2027, 7, 2), date(2027, 8, 1))
    assert late.window_start == date(2027, 7, 20)
    assert early.name == "2027年八一走访慰问"
