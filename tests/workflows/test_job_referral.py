"""Job referral and placement, and the retention follow-ups at 30, 90 and 180 days.

Follow-ups fall due at 00:00 UTC of ``starts_on + N days``; workflow time on the shared
time-skipping server starts at the real current time and only moves when a test sleeps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.cases.model import Need
from services.cases.progress import TaskKind
from services.job_referral.model import (
    FollowUpDue,
    FollowUpStatus,
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    ReferralStatus,
    ReferToJob,
)
from services.kernel.actors import Role
from tests.workflows.support import (
    CaseRun,
    Scenario,
    eventually,
    follow_up_of,
    follow_up_statuses,
    midnight_utc,
    referral_of,
    stays,
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


async def test_several_referrals_are_kept_side_by_side(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)

    await run.take(referral("Acme"))
    await run.take(referral("Globex"))
    case = await run.take(referral("Initech"))

    assert [r.employer for r in case.referrals] == ["Acme", "Globex", "Initech"]
    assert len({r.id for r in case.referrals}) == 3
    assert all(r.status is ReferralStatus.REFERRED for r in case.referrals)
    assert all(r.id.startswith("R") for r in case.referrals)


async def test_referral_goes_through_interview_and_offer_to_placement(
    scenario: Scenario,
) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)
    referral_id = (await run.take(referral())).referrals[0].id
    other_id = (await run.take(referral("Globex"))).referrals[1].id

    interviewing = await run.take(RecordInterview(interview_on=date(2025, 3, 5)), referral_id)
    assert referral_of(interviewing, referral_id).status is ReferralStatus.INTERVIEWING
    assert referral_of(interviewing, referral_id).interview_on == date(2025, 3, 5)

    offered = await run.take(RecordOffer(monthly_wage=WAGE), referral_id)
    assert referral_of(offered, referral_id).status is ReferralStatus.OFFERED
    assert referral_of(offered, referral_id).offered_wage == WAGE

    case = await run.take(
        RecordPlacement(starts_on=date(2025, 3, 10), monthly_wage=WAGE), referral_id
    )
    placement = referral_of(case, referral_id)
    assert placement.status is ReferralStatus.PLACED
    assert placement.starts_on == date(2025, 3, 10)
    assert placement.monthly_wage == WAGE
    assert referral_of(case, other_id).status is ReferralStatus.REFERRED
    assert [(f.day, f.due_on) for f in placement.follow_ups] == [
        (30, date(2025, 4, 9)),
        (90, date(2025, 6, 8)),
        (180, date(2025, 9, 6)),
    ]


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


async def test_recording_a_follow_up_that_is_not_due_is_rejected(scenario: Scenario) -> None:
    run, referral_id, starts_on = await placed(scenario)

    await run.reject(
        RecordFollowUp(day=30, still_employed=True), "follow_up_not_due", referral_id, field="day"
    )

    await scenario.sleep_until(just_after(starts_on, 30))
    await wait_until_due(run, referral_id, 30)
    await run.reject(RecordFollowUp(day=90, still_employed=True), "follow_up_not_due", referral_id)
    await run.take(RecordFollowUp(day=30, still_employed=True), referral_id)
    await run.reject(RecordFollowUp(day=30, still_employed=True), "follow_up_not_due", referral_id)


async def test_follow_up_on_a_referral_without_placement_is_rejected(
    scenario: Scenario,
) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)
    referral_id = (await run.take(referral())).referrals[0].id

    await run.reject(RecordFollowUp(day=30, still_employed=True), "follow_up_not_due", referral_id)
    await run.reject(
        RecordFollowUp(day=30, still_employed=True), "unknown_referral", "R99", field="referral_id"
    )


async def test_leaving_the_job_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="reason is required"):
        RecordFollowUp(day=30, still_employed=False)
    with pytest.raises(ValidationError):
        RecordFollowUp(day=45, still_employed=True)  # type: ignore[arg-type]


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


async def test_left_follow_up_also_cancels_later_ones_already_due(scenario: Scenario) -> None:
    run, referral_id, starts_on = await placed(scenario)
    await scenario.sleep_until(just_after(starts_on, 90))
    await wait_until_due(run, referral_id, 90)

    case = await run.take(
        RecordFollowUp(
            day=30,
            still_employed=False,
            reason="left after three weeks",
            late_reason="could not reach the employer sooner",
        ),
        referral_id,
    )

    assert follow_up_statuses(case, referral_id) == {
        30: "left",
        90: "cancelled",
        180: "cancelled",
    }
    assert await run.tasks() == []


async def test_not_placed_records_the_reason(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)
    referral_id = (await run.take(referral())).referrals[0].id
    await run.take(RecordInterview(interview_on=date(2025, 3, 5)), referral_id)

    case = await run.take(RecordNotPlaced(reason="failed the medical"), referral_id)

    not_placed = referral_of(case, referral_id)
    assert not_placed.status is ReferralStatus.NOT_PLACED
    assert not_placed.not_placed_reason == "failed the medical"
    assert not_placed.follow_ups == []
    await run.reject(RecordOffer(), "wrong_status", referral_id)
    await run.reject(RecordNotPlaced(reason="again"), "wrong_status", referral_id)
    with pytest.raises(ValidationError):
        RecordNotPlaced()  # type: ignore[call-arg]


async def test_placement_on_an_unknown_referral_is_rejected(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)
    await run.take(referral())

    await run.reject(
        RecordPlacement(starts_on=date(2025, 3, 10), monthly_wage=WAGE),
        "unknown_referral",
        "R99",
        field="referral_id",
    )


async def test_placement_without_an_offer_is_rejected(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)
    referral_id = (await run.take(referral())).referrals[0].id
    placement = RecordPlacement(starts_on=date(2025, 3, 10), monthly_wage=WAGE)

    await run.reject(placement, "wrong_status", referral_id)
    await run.take(RecordInterview(interview_on=date(2025, 3, 5)), referral_id)
    await run.reject(placement, "wrong_status", referral_id)
    await run.reject(RecordInterview(interview_on=date(2025, 3, 6)), "wrong_status", referral_id)


async def test_referral_needs_an_active_case_with_the_need(scenario: Scenario) -> None:
    at_intake = await scenario.open()
    await at_intake.reject(referral(), "wrong_stage", field="stage")

    without_need = await scenario.open_active(Need.TRAINING)
    await without_need.reject(referral(), "need_missing", field="needs")


async def test_recording_a_follow_up_after_its_clock_ran_out_needs_a_late_reason(
    scenario: Scenario,
) -> None:
    run, referral_id, starts_on = await placed(scenario)
    # Long after the 30-day follow-up fell due (its clock allows a few working days).
    await scenario.sleep_until(just_after(starts_on, 30) + timedelta(days=20))
    await wait_until_due(run, referral_id, 30)

    await run.reject(
        RecordFollowUp(day=30, still_employed=True),
        "late_reason_required",
        referral_id,
        field="late_reason",
    )
    case = await run.take(
        RecordFollowUp(day=30, still_employed=True, late_reason="employer was closed"),
        referral_id,
    )
    assert follow_up_of(case, referral_id, 30).status is FollowUpStatus.EMPLOYED
