"""Job referral and placement, and the retention follow-ups at 30, 90 and 180 days.

Follow-ups fall due at 00:00 UTC of ``starts_on + N days``; workflow time on the shared
time-skipping server starts at the real current time and only moves when a test sleeps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from services.cases.model import Need
from services.cases.progress import TaskKind
from services.job_referral.model import (
    FollowUpDue,
    FollowUpStatus,
    RecordFollowUp,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.kernel.actors import Role
from tests.support import eventually, stays
from tests.workflows.support import (
    CaseRun,
    Scenario,
    follow_up_of,
    follow_up_statuses,
    midnight_utc,
    referral_of,
)

HOUR = timedelta(hours=1)
WAGE = Decimal("4500.00")


def referral(employer: str = "Acme Logistics", on: date = date(2025, 3, 1)) -> ReferToJob:
    return ReferToJob(employer=employer, position="warehouse keeper", referred_on=on)


async def placed(scenario: Scenario, starts_on: date | None = None) -> tuple[CaseRun, str, date]:
    """An active case with one referral placed from ``starts_on`` (default: today)."""
    run = await scenario.open_active(Need.JOB_REFERRAL)
    today = (await scenario.now()).date()
    starts_on = starts_on or today
    referral_id = (await run.take(referral(on=today))).referrals[0].id
    await run.take(RecordOffer(monthly_wage=WAGE), referral_id)
    await run.take(RecordPlacement(starts_on=starts_on, monthly_wage=WAGE), referral_id)
    return run, referral_id, starts_on


def due_at(starts_on: date, day: int) -> datetime:
    return midnight_utc(starts_on + timedelta(days=day))


def just_after(starts_on: date, day: int) -> datetime:
    """A little after the follow-up fell due, at a time of day of its own.

    Steps start day-based clocks (e.g. "case with no step" after 60 days, exactly the gap
    between the 30- and 90-day follow-ups); a step sent at the very moment one of them
    sounds trips the time-skipping test server ("invalid history builder state for
    action"), so no two follow-ups are recorded at the same time of day.
    """
    return due_at(starts_on, day) + HOUR + timedelta(minutes=day)


async def assert_only_due(run: CaseRun, referral_id: str, due: set[int]) -> None:
    """Exactly the follow-ups of ``due`` are due (task and status); none of the later ones."""
    case = await run.case()
    statuses = follow_up_statuses(case, referral_id)
    assert {day for day, status in statuses.items() if status == "due"} == due, statuses
    tasks = await run.follow_up_tasks()
    assert sorted(t.target or "" for t in tasks) == sorted(f"{referral_id}/{d}" for d in due)
    for task in tasks:
        assert task.role is Role.STAFF
        assert task.assignee == case.intake_by
        day = int((task.target or "").split("/")[1])
        assert task.since == midnight_utc(follow_up_of(case, referral_id, day).due_on)


async def wait_until_due(run: CaseRun, referral_id: str, day: int) -> None:
    async def status() -> FollowUpStatus:
        return follow_up_of(await run.case(), referral_id, day).status

    await eventually(status, lambda s: s is FollowUpStatus.DUE, what=f"follow-up {day} due")


async def still_not_due(run: CaseRun, referral_id: str, day: int) -> None:
    async def status() -> FollowUpStatus:
        return follow_up_of(await run.case(), referral_id, day).status

    await stays(status, lambda s: s is FollowUpStatus.SCHEDULED, what=f"follow-up {day} waits")


async def test_placement_schedules_follow_ups_that_fall_due_one_at_a_time(
    scenario: Scenario,
) -> None:
    run, referral_id, starts_on = await placed(scenario)
    case = await run.case()
    assert follow_up_statuses(case, referral_id) == {
        30: "scheduled",
        90: "scheduled",
        180: "scheduled",
    }
    assert [f.due_on for f in referral_of(case, referral_id).follow_ups] == [
        starts_on + timedelta(days=d) for d in (30, 90, 180)
    ]
    await assert_only_due(run, referral_id, set())

    for day in (30, 90, 180):
        due = due_at(starts_on, day)

        await scenario.sleep_until(due - HOUR)
        await still_not_due(run, referral_id, day)
        await assert_only_due(run, referral_id, set())

        await scenario.sleep_until(just_after(starts_on, day))
        await wait_until_due(run, referral_id, day)
        await assert_only_due(run, referral_id, {day})

        history = await run.history()
        marked = [e for e in history if isinstance(e.step, FollowUpDue)]
        assert [e.step.day for e in marked][-1] == day  # type: ignore[union-attr]
        assert marked[-1].actor.role is Role.SYSTEM
        assert marked[-1].target == referral_id
        assert due <= marked[-1].at <= just_after(starts_on, day)

        recorded = await run.take(RecordFollowUp(day=day, still_employed=True), referral_id)
        follow_up = follow_up_of(recorded, referral_id, day)
        assert follow_up.status is FollowUpStatus.EMPLOYED
        assert follow_up.recorded_at == recorded.updated_at
        await assert_only_due(run, referral_id, set())

    final = await run.case()
    assert follow_up_statuses(final, referral_id) == {
        30: "employed",
        90: "employed",
        180: "employed",
    }
    kinds = [e.step.kind for e in await run.history()]
    assert kinds.count("follow_up_due") == 3
    assert kinds.count("follow_up_recorded") == 3
    assert await run.tasks() == []


async def test_follow_up_tasks_stay_open_until_recorded(scenario: Scenario) -> None:
    run, referral_id, starts_on = await placed(scenario)

    await scenario.sleep_until(just_after(starts_on, 90))
    await wait_until_due(run, referral_id, 90)

    await assert_only_due(run, referral_id, {30, 90})
    tasks = await run.tasks()
    assert [t.kind for t in tasks] == [TaskKind.RECORD_FOLLOW_UP] * 2
    assert follow_up_statuses(await run.case(), referral_id)[180] == "scheduled"


async def test_placement_recorded_late_makes_past_follow_ups_due_at_once(
    scenario: Scenario,
) -> None:
    today = (await scenario.now()).date()
    run, referral_id, _ = await placed(scenario, starts_on=today - timedelta(days=100))

    await wait_until_due(run, referral_id, 90)
    await assert_only_due(run, referral_id, {30, 90})
    assert follow_up_statuses(await run.case(), referral_id)[180] == "scheduled"


async def test_left_follow_up_cancels_the_later_ones(scenario: Scenario) -> None:
    run, referral_id, starts_on = await placed(scenario)
    await scenario.sleep_until(just_after(starts_on, 30))
    await wait_until_due(run, referral_id, 30)

    case = await run.take(
        RecordFollowUp(day=30, still_employed=False, reason="factory closed"), referral_id
    )

    assert follow_up_statuses(case, referral_id) == {
        30: "left",
        90: "cancelled",
        180: "cancelled",
    }
    assert follow_up_of(case, referral_id, 30).reason == "factory closed"
    assert await run.tasks() == []
    await scenario.sleep_until(just_after(starts_on, 180))
    await stays(
        run.case,
        lambda c: follow_up_statuses(c, referral_id) == follow_up_statuses(case, referral_id),
        what="no later follow-up falls due",
    )
    marked = [e for e in await run.history() if isinstance(e.step, FollowUpDue)]
    assert [e.step.day for e in marked] == [30]  # type: ignore[union-attr]
    assert await run.follow_up_tasks() == []
