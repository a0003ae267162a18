"""Each kind of clock breaches exactly at its due time: not a second before, once after.

The time-skipping server jumps to one second before the clock's own ``due_at`` (read
from the case query), then to one second after it. Warnings sound earlier as
alarms of their own that leave the clock at level 0; a breach is the alarm that takes it
to level 1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal

import pytest

from services.cases.model import Need
from services.cases.steps import DecideEligibility
from services.deadlines.policy import DEFAULT_RULES, ClockKind
from services.hardship_aid.model import Difficulty, RequestHardshipAid
from services.job_referral.model import RecordInterview, RecordOffer, RecordPlacement, ReferToJob
from services.legal_aid.model import Channel, Department, RecordInfringement, ReferMatter
from tests.deadlines.support import CaseWorld, Handle, assert_breaches_at_due
from tests.support import LAWYER, eventually, intake

INFRINGEMENT = RecordInfringement(infringement="Wages withheld", infringer="Employer X")


@dataclass
class Started:
    handle: Handle
    clock_id: str


async def _eligibility(world: CaseWorld) -> Started:
    return Started(await world.open(), "eligibility@1")


async def _legal_referral(world: CaseWorld) -> Started:
    handle = await world.open(intake(Need.LEGAL_AID))
    await world.take(handle, INFRINGEMENT, actor=LAWYER)
    return Started(handle, "legal_referral:M2@2")


async def _acknowledgement(world: CaseWorld) -> Started:
    handle = await world.open(intake(Need.LEGAL_AID))
    await world.take(handle, INFRINGEMENT, actor=LAWYER)
    refer = ReferMatter(department=Department.LABOUR, channel=Channel.PHONE)
    await world.take(handle, refer, "M2", LAWYER)
    return Started(handle, "acknowledgement:M2/labour@3")


async def _matter_stale(world: CaseWorld) -> Started:
    handle = await world.open(intake(Need.LEGAL_AID))
    await world.take(handle, INFRINGEMENT, actor=LAWYER)
    return Started(handle, "matter_stale:M2@2")


async def _follow_up(world: CaseWorld) -> Started:
    handle = await world.open(intake(Need.JOB_REFERRAL))
    await world.take(handle, DecideEligibility(accepted=True))
    today = (await world.now()).astimezone(UTC).date()
    await world.take(
        handle, ReferToJob(employer="County Bus", position="Driver", referred_on=today)
    )
    await world.take(handle, RecordInterview(interview_on=today), "R3")
    await world.take(handle, RecordOffer(monthly_wage=Decimal("4000.00")), "R3")
    # Started 29 days ago: the 30-day follow-up falls due at 00:00 UTC tomorrow.
    starts_on = today - timedelta(days=29)
    case = await world.take(
        handle, RecordPlacement(starts_on=starts_on, monthly_wage=Decimal("4000.00")), "R3"
    )
    (follow_up,) = [f for f in case.referrals[0].follow_ups if f.day == 30]
    assert follow_up.due_on == today + timedelta(days=1)
    await world.sleep_until(
        (await world.now()).replace(hour=0, minute=0, second=0, microsecond=0)
        + timedelta(days=1, seconds=1)
    )
    await eventually(
        lambda: world.clocks(handle),
        lambda clocks: "follow_up:R3/30@7" in clocks,
        what="the follow-up clock to start when the follow-up falls due",
    )
    return Started(handle, "follow_up:R3/30@7")


async def _hardship_decision(world: CaseWorld) -> Started:
    handle = await world.open(intake(Need.HARDSHIP_AID))
    await world.take(handle, DecideEligibility(accepted=True))
    request = RequestHardshipAid(difficulty=Difficulty.LIVING, amount_requested=Decimal("800"))
    await world.take(handle, request)
    return Started(handle, "hardship_decision:H3@3")


async def _case_stale(world: CaseWorld) -> Started:
    return Started(await world.open(), "case_stale@1")


SETUPS: dict[ClockKind, Callable[[CaseWorld], Awaitable[Started]]] = {
    ClockKind.ELIGIBILITY: _eligibility,
    ClockKind.LEGAL_REFERRAL: _legal_referral,
    ClockKind.ACKNOWLEDGEMENT: _acknowledgement,
    ClockKind.MATTER_STALE: _matter_stale,
    ClockKind.FOLLOW_UP: _follow_up,
    ClockKind.HARDSHIP_DECISION: _hardship_decision,
    ClockKind.CASE_STALE: _case_stale,
}

EXPECTED_SPAN = {
    ClockKind.LEGAL_REFERRAL: timedelta(hours=24),
    ClockKind.MATTER_STALE: timedelta(days=30),
    ClockKind.CASE_STALE: timedelta(days=60),
}


@pytest.mark.parametrize("kind", list(SETUPS), ids=[kind.value for kind in SETUPS])
async def test_a_clock_breaches_exactly_once_at_its_due_time_and_not_a_second_before(
    world: CaseWorld, kind: ClockKind
) -> None:
    started = await SETUPS[kind](world)
    handle, clock_id = started.handle, started.clock_id
    clock = await world.clock(handle, clock_id)
    assert clock.kind is kind
    if kind in EXPECTED_SPAN:
        assert clock.due_at - clock.started_at == EXPECTED_SPAN[kind]
    else:  # working days: at least the count, at the same local time of day
        assert clock.due_at - clock.started_at >= timedelta(days=DEFAULT_RULES[kind].duration)
        assert (clock.due_at - clock.started_at) % timedelta(days=1) == timedelta(0)
    assert "synthetic-" in clock.calendar_version

    await assert_breaches_at_due(world, handle, clock_id, warn_hours=DEFAULT_RULES[kind].warn_hours)
