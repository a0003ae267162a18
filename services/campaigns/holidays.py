"""The holidays campaigns are for, and when a yearly campaign starts.

Army Day is 1 August every year. Spring Festival is the first day of the first lunar
month, computed with lunar-python (a maintained library, not a table of our own); no
schedule calendar can say "lunar new year", so the dates of the coming years are
computed here and written into the schedule's spec as explicit dates.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from lunar_python import Lunar

ARMY_DAY = (8, 1)
LAST_YEAR = 2099  # lunar-python's tables, and far beyond any schedule we keep


class Series(StrEnum):
    SPRING_FESTIVAL = "spring_festival"
    ARMY_DAY = "army_day"


SERIES_NAMES_ZH = {Series.SPRING_FESTIVAL: "春节走访慰问", Series.ARMY_DAY: "八一走访慰问"}


def spring_festival(year: int) -> date:
    solar = Lunar.fromYmd(year, 1, 1).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def holiday_in(series: Series, year: int) -> date:
    if series is Series.ARMY_DAY:
        return date(year, *ARMY_DAY)
    return spring_festival(year)


def next_holiday(series: Series, on_or_after: date) -> date:
    """The first holiday of ``series`` on or after ``on_or_after``."""
    this_year = holiday_in(series, on_or_after.year)
    return this_year if this_year >= on_or_after else holiday_in(series, on_or_after.year + 1)


def start_dates(series: Series, lead_days: int, after: date, count: int) -> list[date]:
    """The next ``count`` days a yearly campaign starts, ``lead_days`` before each holiday,
    the first after ``after``."""
    starts: list[date] = []
    year = after.year
    while len(starts) < count and year <= LAST_YEAR:
        start = holiday_in(series, year) - timedelta(days=lead_days)
        if start > after:
            starts.append(start)
        year += 1
    return starts
