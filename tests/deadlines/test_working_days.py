"""Calendar time and working days on a live case: a 24-hour clock runs through the
weekend; a working-day clock skips weekends and holidays and counts make-up days."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from services.cases.model import Need
from services.legal_aid.model import RecordInfringement
from tests.deadlines.support import (
    FRIDAY,
    LOOK_AHEAD,
    SATURDAY,
    SUNDAY,
    THURSDAY,
    TUESDAY,
    CaseWorld,
    assert_breaches_at_due,
    local,
    next_local_weekday,
    on_local_day,
    working_days_after,
    write_calendars,
)
from tests.support import LAWYER, intake


async def test_the_24_hour_referral_clock_started_on_friday_breaches_on_saturday(
    world: CaseWorld,
) -> None:
    friday = next_local_weekday(await world.now(), FRIDAY, hour=10)
    await world.sleep_until(friday)
    handle = await world.open(intake(Need.LEGAL_AID))
    await world.take(
        handle, RecordInfringement(infringement="Dismissed", infringer="Employer Y"), actor=LAWYER
    )

    clock = await world.clock(handle, "legal_referral:M2@2")
    assert friday <= clock.started_at < friday + LOOK_AHEAD
    assert clock.due_at == clock.started_at + timedelta(hours=24)
    assert local(clock.due_at).weekday() == SATURDAY
    breach = await assert_breaches_at_due(world, handle, clock.id, warn_hours=4)
    assert local(breach.at).weekday() == SATURDAY


async def test_three_working_days_from_the_friday_before_a_monday_holiday_end_on_thursday(
    world: CaseWorld, calendar_dir: Path
) -> None:
    friday = next_local_weekday(await world.now(), FRIDAY, hour=10)
    monday = local(friday).date() + timedelta(days=3)
    versions = write_calendars(calendar_dir, [monday.year], holidays=[monday])
    await world.sleep_until(friday)

    handle = await world.open()

    clock = await world.clock(handle, "eligibility@1")
    # Sat, Sun off; Mon the holiday; Tue 1, Wed 2, Thu 3, at the same local time.
    start = clock.started_at
    assert friday <= start < friday + LOOK_AHEAD
    assert clock.due_at == on_local_day(local(friday).date() + timedelta(days=6), start)
    assert local(clock.due_at).weekday() == THURSDAY
    assert clock.due_at == working_days_after(start, 3, holidays={monday}, workdays=set())
    assert f"{monday.year}:{versions[monday.year]}" in clock.calendar_version
    await assert_breaches_at_due(world, handle, clock.id, warn_hours=24)


async def test_a_make_up_sunday_counts_as_a_working_day(
    world: CaseWorld, calendar_dir: Path
) -> None:
    friday = next_local_weekday(await world.now(), FRIDAY, hour=10)
    sunday = local(friday).date() + timedelta(days=2)
    assert sunday.weekday() == SUNDAY
    write_calendars(calendar_dir, [sunday.year], workdays=[sunday])
    await world.sleep_until(friday)

    handle = await world.open()

    clock = await world.clock(handle, "eligibility@1")
    # Sat off; Sun 1 (worked); Mon 2; Tue 3.
    start = clock.started_at
    assert clock.due_at == on_local_day(local(friday).date() + timedelta(days=4), start)
    assert local(clock.due_at).weekday() == TUESDAY
    assert clock.due_at == working_days_after(start, 3, holidays=set(), workdays={sunday})
    await assert_breaches_at_due(world, handle, clock.id, warn_hours=24)


async def test_without_special_days_three_working_days_from_friday_end_on_wednesday(
    world: CaseWorld,
) -> None:
    friday = next_local_weekday(await world.now(), FRIDAY, hour=10)
    await world.sleep_until(friday)

    handle = await world.open()

    clock = await world.clock(handle, "eligibility@1")
    wednesday = on_local_day(local(friday).date() + timedelta(days=5), clock.started_at)
    assert clock.due_at == wednesday
    await assert_breaches_at_due(world, handle, clock.id, warn_hours=24)
