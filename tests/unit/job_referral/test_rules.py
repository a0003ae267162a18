"""Job referral and placement: referred → interview → offered → placed | not placed, then
retention follow-ups 30, 90 and 180 days after the start date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.cases.model import Need
from services.cases.progress import TaskKind, open_tasks
from services.job_referral.model import (
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
from tests.unit.story import Story

WAGE = Decimal("4500.00")


def referral(employer: str = "Acme Logistics", on: date = date(2025, 3, 1)) -> ReferToJob:
    return ReferToJob(employer=employer, position="warehouse keeper", referred_on=on)


def placed(starts_on: date | None = None) -> tuple[Story, str]:
    """An active case with one referral placed from ``starts_on`` (default: today)."""
    story = Story.active(Need.JOB_REFERRAL)
    referral_id = story.take(referral()).referrals[0].id
    story.take(RecordOffer(monthly_wage=WAGE), referral_id)
    today = story.now.date()
    story.take(RecordPlacement(starts_on=starts_on or today, monthly_wage=WAGE), referral_id)
    return story, referral_id


def statuses(story: Story, referral_id: str) -> dict[int, str]:
    (found,) = [r for r in story.current.referrals if r.id == referral_id]
    return {f.day: f.status.value for f in found.follow_ups}


def test_several_referrals_are_kept_side_by_side() -> None:
    story = Story.active(Need.JOB_REFERRAL)

    story.take(referral("Acme"))
    story.take(referral("Globex"))
    case = story.take(referral("Initech"))

    assert [r.employer for r in case.referrals] == ["Acme", "Globex", "Initech"]
    assert len({r.id for r in case.referrals}) == 3
    assert all(r.status is ReferralStatus.REFERRED for r in case.referrals)
    assert all(r.id.startswith("R") for r in case.referrals)


def test_referral_goes_through_interview_and_offer_to_placement() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    referral_id = story.take(referral()).referrals[0].id
    other_id = story.take(referral("Globex")).referrals[1].id

    interviewing = story.take(RecordInterview(interview_on=date(2025, 3, 5)), referral_id)
    assert interviewing.referrals[0].status is ReferralStatus.INTERVIEWING
    assert interviewing.referrals[0].interview_on == date(2025, 3, 5)

    offered = story.take(RecordOffer(monthly_wage=WAGE), referral_id)
    assert offered.referrals[0].status is ReferralStatus.OFFERED
    assert offered.referrals[0].offered_wage == WAGE

    case = story.take(RecordPlacement(starts_on=date(2025, 3, 10), monthly_wage=WAGE), referral_id)
    placement = case.referrals[0]
    assert placement.status is ReferralStatus.PLACED
    assert placement.starts_on == date(2025, 3, 10)
    assert placement.monthly_wage == WAGE
    assert [r.status for r in case.referrals if r.id == other_id] == [ReferralStatus.REFERRED]
    assert [(f.day, f.due_on) for f in placement.follow_ups] == [
        (30, date(2025, 4, 9)),
        (90, date(2025, 6, 8)),
        (180, date(2025, 9, 6)),
    ]


def test_a_follow_up_falls_due_on_its_day_and_waits_as_a_task_until_recorded() -> None:
    story, referral_id = placed()
    assert statuses(story, referral_id) == {30: "scheduled", 90: "scheduled", 180: "scheduled"}

    (due,) = story.later(timedelta(days=30))
    assert (due.step.kind, due.target, due.actor.role) == (
        "follow_up_due",
        referral_id,
        Role.SYSTEM,
    )
    assert statuses(story, referral_id)[30] == "due"
    (clock,) = [c for c in due.clocks if c.kind == "follow_up"]
    assert clock.target == f"{referral_id}/30"

    recorded = story.take(RecordFollowUp(day=30, still_employed=True), referral_id)
    assert recorded.referrals[0].follow_ups[0].status is FollowUpStatus.EMPLOYED
    assert recorded.referrals[0].follow_ups[0].recorded_at == recorded.updated_at
    assert statuses(story, referral_id) == {30: "employed", 90: "scheduled", 180: "scheduled"}


def test_recording_a_follow_up_that_is_not_due_is_refused() -> None:
    story, referral_id = placed()
    on_time = RecordFollowUp(day=30, still_employed=True)

    story.refuses(on_time, "follow_up_not_due", referral_id, field="day")
    story.later(timedelta(days=30, hours=1))
    story.refuses(RecordFollowUp(day=90, still_employed=True), "follow_up_not_due", referral_id)
    story.take(on_time, referral_id)
    story.refuses(on_time, "follow_up_not_due", referral_id)


def test_follow_up_on_a_referral_without_placement_is_refused() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    referral_id = story.take(referral()).referrals[0].id
    follow_up = RecordFollowUp(day=30, still_employed=True)

    story.refuses(follow_up, "follow_up_not_due", referral_id)
    story.refuses(follow_up, "unknown_referral", "R99", field="referral_id")


def test_leaving_the_job_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="reason is required"):
        RecordFollowUp(day=30, still_employed=False)
    with pytest.raises(ValidationError):
        RecordFollowUp(day=45, still_employed=True)  # type: ignore[arg-type]


def test_left_follow_up_cancels_the_later_ones_already_due_too() -> None:
    story, referral_id = placed()
    story.later(timedelta(days=90, hours=1))
    assert statuses(story, referral_id) == {30: "due", 90: "due", 180: "scheduled"}

    case = story.take(
        RecordFollowUp(
            day=30,
            still_employed=False,
            reason="left after three weeks",
            late_reason="could not reach the employer sooner",
        ),
        referral_id,
    )

    assert statuses(story, referral_id) == {30: "left", 90: "cancelled", 180: "cancelled"}
    assert case.referrals[0].follow_ups[0].reason == "left after three weeks"
    assert [t for t in open_tasks(case) if t.kind is TaskKind.RECORD_FOLLOW_UP] == []
    assert [c for c in case.clocks if c.kind == "follow_up" and c.satisfied_at is None] == []


def test_recording_a_follow_up_after_its_clock_ran_out_needs_a_late_reason() -> None:
    story, referral_id = placed()
    story.later(timedelta(days=50))

    story.refuses(
        RecordFollowUp(day=30, still_employed=True),
        "late_reason_required",
        referral_id,
        field="late_reason",
    )
    case = story.take(
        RecordFollowUp(day=30, still_employed=True, late_reason="employer was closed"),
        referral_id,
    )
    assert case.referrals[0].follow_ups[0].status is FollowUpStatus.EMPLOYED


def test_not_placed_records_the_reason() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    referral_id = story.take(referral()).referrals[0].id
    story.take(RecordInterview(interview_on=date(2025, 3, 5)), referral_id)

    case = story.take(RecordNotPlaced(reason="failed the medical"), referral_id)

    not_placed = case.referrals[0]
    assert not_placed.status is ReferralStatus.NOT_PLACED
    assert not_placed.not_placed_reason == "failed the medical"
    assert not_placed.follow_ups == []
    story.refuses(RecordOffer(), "wrong_status", referral_id)
    story.refuses(RecordNotPlaced(reason="again"), "wrong_status", referral_id)
    with pytest.raises(ValidationError):
        RecordNotPlaced()  # type: ignore[call-arg]


def test_placement_on_an_unknown_referral_is_refused() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    story.take(referral())

    story.refuses(
        RecordPlacement(starts_on=date(2025, 3, 10), monthly_wage=WAGE),
        "unknown_referral",
        "R99",
        field="referral_id",
    )


def test_placement_without_an_offer_is_refused() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    referral_id = story.take(referral()).referrals[0].id
    placement = RecordPlacement(starts_on=date(2025, 3, 10), monthly_wage=WAGE)

    story.refuses(placement, "wrong_status", referral_id)
    story.take(RecordInterview(interview_on=date(2025, 3, 5)), referral_id)
    story.refuses(placement, "wrong_status", referral_id)
    story.refuses(RecordInterview(interview_on=date(2025, 3, 6)), "wrong_status", referral_id)


def test_referral_needs_an_active_case_with_the_need() -> None:
    Story.opened().refuses(referral(), "wrong_stage", field="stage")
    Story.active(Need.TRAINING).refuses(referral(), "need_missing", field="needs")
