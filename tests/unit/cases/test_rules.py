"""The case's own stages: intake → assessment → active, rejection, withdrawal, close,
reopen; needs, the lawyer, and the steps only the case itself records."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.cases import rules
from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.model import Need
from services.cases.progress import TaskKind, open_tasks
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    ClockAlarm,
    CloseCase,
    DecideEligibility,
    ReopenCase,
    StartAssessment,
    WithdrawCase,
)
from services.job_referral.model import FollowUpDue, ReferToJob
from services.kernel.errors import StaleVersion
from tests.support import ASSESSOR, SUPERVISOR, intake
from tests.unit.story import Story


def tasks_of(story: Story) -> list[TaskKind]:
    return [task.kind for task in open_tasks(story.current)]


def test_case_moves_from_intake_through_assessment_to_active() -> None:
    story = Story.opened()
    assert story.current.stage is Stage.INTAKE
    assert tasks_of(story) == [TaskKind.DECIDE_ELIGIBILITY]

    assessed = story.take(StartAssessment(), actor=ASSESSOR)
    assert assessed.stage is Stage.ASSESSMENT
    assert assessed.assessor == ASSESSOR.id
    (task,) = open_tasks(assessed)
    assert (task.kind, task.assignee) == (TaskKind.DECIDE_ELIGIBILITY, ASSESSOR.id)

    active = story.take(DecideEligibility(accepted=True), actor=ASSESSOR)
    assert active.stage is Stage.ACTIVE
    assert active.eligibility is not None
    assert active.eligibility.accepted is True
    assert active.eligibility.decided_by == ASSESSOR.id
    assert (active.closed_at, active.outcome) == (None, None)
    assert tasks_of(story) == []
    assert active.version == 3


def test_assessment_can_only_start_at_intake() -> None:
    story = Story.opened()
    story.take(StartAssessment(), actor=ASSESSOR)

    story.refuses(StartAssessment(), "wrong_stage", field="stage")
    story.take(DecideEligibility(accepted=True), actor=ASSESSOR)
    story.refuses(StartAssessment(), "wrong_stage", field="stage")


def test_eligibility_can_be_decided_straight_from_intake() -> None:
    active = Story.opened().take(DecideEligibility(accepted=True), actor=ASSESSOR)

    assert active.stage is Stage.ACTIVE
    assert active.assessor is None


def test_eligibility_cannot_be_decided_twice() -> None:
    story = Story.active()

    story.refuses(DecideEligibility(accepted=True), "wrong_stage", field="stage")
    story.refuses(DecideEligibility(accepted=False, reason="changed mind"), "wrong_stage")


def test_rejecting_eligibility_without_a_reason_is_refused() -> None:
    story = Story.opened()
    story.take(StartAssessment(), actor=ASSESSOR)

    story.refuses(DecideEligibility(accepted=False), "reason_required", field="reason")


def test_blank_rejection_reason_fails_validation() -> None:
    with pytest.raises(ValidationError):
        DecideEligibility(accepted=False, reason="   ")


def test_rejected_eligibility_closes_the_case_as_not_eligible() -> None:
    story = Story.opened()
    story.take(StartAssessment(), actor=ASSESSOR)

    closed = story.take(
        DecideEligibility(accepted=False, reason="not a military family"), actor=ASSESSOR
    )

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.NOT_ELIGIBLE
    assert closed.close_reason == "not a military family"
    assert closed.closed_from is Stage.ASSESSMENT
    assert closed.closed_at == closed.updated_at
    assert closed.eligibility is not None
    assert (closed.eligibility.accepted, closed.eligibility.reason) == (
        False,
        "not a military family",
    )
    assert tasks_of(story) == []
    assert all(clock.satisfied_at is not None for clock in story.last.clocks)


def test_reopening_a_not_eligible_case_returns_it_to_assessment() -> None:
    story = Story.opened()
    # Rejected straight from intake: the reopened case still goes to assessment.
    story.take(DecideEligibility(accepted=False, reason="no papers"), actor=ASSESSOR)

    reopened = story.take(ReopenCase(reason="papers found"), actor=SUPERVISOR)

    assert reopened.stage is Stage.ASSESSMENT
    assert reopened.reopen_count == 1
    assert (reopened.outcome, reopened.closed_at, reopened.close_reason) == (None, None, None)
    assert reopened.closed_from is None
    assert reopened.track_outcomes == {}
    assert story.take(DecideEligibility(accepted=True), actor=ASSESSOR).stage is Stage.ACTIVE


def test_reopening_returns_to_the_stage_the_case_was_closed_from() -> None:
    at_intake = Story.opened()
    at_intake.take(WithdrawCase(reason="claimant withdrew"))
    assert at_intake.take(ReopenCase(reason="came back")).stage is Stage.INTAKE

    at_assessment = Story.opened()
    at_assessment.take(StartAssessment(), actor=ASSESSOR)
    at_assessment.take(CloseCase(outcome=CaseOutcome.UNREACHABLE))
    assert at_assessment.take(ReopenCase(reason="reached by phone")).stage is Stage.ASSESSMENT

    active = Story.active()
    active.take(CloseCase(outcome=CaseOutcome.SERVED))
    first = active.take(ReopenCase(reason="new problem"))
    assert (first.stage, first.reopen_count) == (Stage.ACTIVE, 1)
    active.take(WithdrawCase(reason="moved away"))
    second = active.take(ReopenCase(reason="moved back"))
    assert (second.stage, second.reopen_count) == (Stage.ACTIVE, 2)


def test_only_a_closed_case_can_be_reopened() -> None:
    story = Story.opened()
    story.refuses(ReopenCase(reason="why not"), "wrong_stage", field="stage")
    story.take(DecideEligibility(accepted=True), actor=ASSESSOR)
    story.refuses(ReopenCase(reason="why not"), "wrong_stage", field="stage")


def test_withdrawing_at_intake_closes_with_reason() -> None:
    story = Story.opened()

    closed = story.take(WithdrawCase(reason="claimant no longer needs help"))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.WITHDRAWN
    assert closed.close_reason == "claimant no longer needs help"
    assert closed.closed_from is Stage.INTAKE
    assert tasks_of(story) == []


def test_withdrawing_an_active_case_closes_with_reason() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    story.take(ReferToJob(employer="Acme", position="guard", referred_on=date(2025, 3, 1)))

    closed = story.take(WithdrawCase(reason="found a job himself"))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.WITHDRAWN
    assert closed.closed_from is Stage.ACTIVE
    assert closed.close_reason == "found a job himself"
    assert closed.track_outcomes == {"job_referral": "referred"}
    story.refuses(WithdrawCase(reason="again"), "wrong_stage")


def test_withdrawal_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        WithdrawCase()  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        WithdrawCase(reason="")


def test_closing_without_open_items_needs_no_reason() -> None:
    closed = Story.active(Need.JOB_REFERRAL).take(CloseCase(outcome=CaseOutcome.SERVED))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.SERVED
    assert closed.close_reason is None
    assert closed.track_outcomes == {"job_referral": "not_started"}


def test_closing_with_an_open_item_needs_a_reason() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    referral_id = (
        story.take(ReferToJob(employer="Acme", position="guard", referred_on=date(2025, 3, 1)))
        .referrals[0]
        .id
    )

    refused = story.refuses(CloseCase(outcome=CaseOutcome.SERVED), "reason_required")
    assert refused.field == "reason"
    assert f"referral {referral_id}" in refused.message
    closed = story.take(CloseCase(outcome=CaseOutcome.SERVED, reason="claimant moved"))
    assert closed.close_reason == "claimant moved"


def test_a_need_is_added_once_and_legal_aid_makes_the_case_a_priority() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    assert story.current.priority is False

    added = story.take(AddNeed(need=Need.LEGAL_AID))

    assert added.needs == [Need.JOB_REFERRAL, Need.LEGAL_AID]
    assert added.priority is True
    story.refuses(AddNeed(need=Need.LEGAL_AID), "need_present")


def test_a_lawyer_is_assigned_once_on_a_legal_aid_case() -> None:
    story = Story.opened(Need.LEGAL_AID)
    assert TaskKind.ASSIGN_LAWYER in tasks_of(story)

    assigned = story.take(AssignLawyer(lawyer="lawyer-7"), actor=SUPERVISOR)

    assert assigned.lawyer == "lawyer-7"
    assert TaskKind.ASSIGN_LAWYER not in tasks_of(story)
    story.refuses(AssignLawyer(lawyer="lawyer-7"), "already_assigned", actor=SUPERVISOR)


def test_a_person_cannot_take_the_steps_only_the_case_records() -> None:
    story = Story.active(Need.JOB_REFERRAL)

    story.refuses(FollowUpDue(day=30), "system_step", "R4")
    story.refuses(ClockAlarm(), "system_step", "case_stale@3")


def test_a_case_is_opened_once_and_needs_a_centre() -> None:
    Story.opened().refuses(intake(), "case_exists")
    Story().refuses(intake(centre=None), "missing_centre", field="centre")
    Story().refuses(StartAssessment(), "case_not_open")


def test_a_step_made_against_a_case_version_that_has_passed_is_refused() -> None:
    story = Story.active()

    rules.check_version(story.current, story.current.version)
    with pytest.raises(StaleVersion) as stale:
        rules.check_version(story.current, story.current.version - 1)
    assert stale.value.field == "If-Match"
