"""The case's own stages: intake → assessment → active, rejection, withdrawal, close, reopen."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.model import Need
from services.cases.progress import TaskKind
from services.cases.steps import (
    AssignLawyer,
    CloseCase,
    DecideEligibility,
    ReopenCase,
    StartAssessment,
    WithdrawCase,
)
from services.job_referral.model import (
    FollowUpStatus,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.legal_aid.model import (
    Channel,
    Department,
    MatterStatus,
    RecordInfringement,
    ReferMatter,
)
from tests.workflows.support import (
    ASSESSOR,
    LAWYER,
    SUPERVISOR,
    Scenario,
    completed,
    follow_up_statuses,
    intake,
    midnight_utc,
)


async def test_case_moves_from_intake_through_assessment_to_active(scenario: Scenario) -> None:
    run = await scenario.open()
    case = await run.case()
    assert case.stage is Stage.INTAKE
    assert [t.kind for t in await run.tasks()] == [TaskKind.DECIDE_ELIGIBILITY]

    assessed = await run.take(StartAssessment(), actor=ASSESSOR)
    assert assessed.stage is Stage.ASSESSMENT
    assert assessed.assessor == ASSESSOR.id
    (task,) = await run.tasks()
    assert task.kind is TaskKind.DECIDE_ELIGIBILITY
    assert task.assignee == ASSESSOR.id

    active = await run.take(DecideEligibility(accepted=True), actor=ASSESSOR)
    assert active.stage is Stage.ACTIVE
    assert active.eligibility is not None
    assert active.eligibility.accepted is True
    assert active.eligibility.decided_by == ASSESSOR.id
    assert active.closed_at is None
    assert active.outcome is None
    assert await run.tasks() == []
    assert active.version == 3
    assert await run.case() == active


async def test_assessment_can_only_start_at_intake(scenario: Scenario) -> None:
    run = await scenario.open()
    await run.take(StartAssessment(), actor=ASSESSOR)

    await run.reject(StartAssessment(), "wrong_stage", field="stage")
    await run.take(DecideEligibility(accepted=True), actor=ASSESSOR)
    await run.reject(StartAssessment(), "wrong_stage", field="stage")


async def test_eligibility_can_be_decided_straight_from_intake(scenario: Scenario) -> None:
    run = await scenario.open()

    active = await run.take(DecideEligibility(accepted=True), actor=ASSESSOR)

    assert active.stage is Stage.ACTIVE
    assert active.assessor is None


async def test_eligibility_cannot_be_decided_twice(scenario: Scenario) -> None:
    run = await scenario.open()
    await run.activate()

    await run.reject(DecideEligibility(accepted=True), "wrong_stage", field="stage")
    await run.reject(DecideEligibility(accepted=False, reason="changed mind"), "wrong_stage")


async def test_rejecting_eligibility_without_a_reason_is_refused(scenario: Scenario) -> None:
    run = await scenario.open()
    await run.take(StartAssessment(), actor=ASSESSOR)

    await run.reject(DecideEligibility(accepted=False), "reason_required", field="reason")

    assert (await run.case()).stage is Stage.ASSESSMENT


async def test_blank_rejection_reason_fails_validation() -> None:
    with pytest.raises(ValidationError):
        DecideEligibility(accepted=False, reason="   ")


async def test_rejected_eligibility_closes_the_case_as_not_eligible(scenario: Scenario) -> None:
    run = await scenario.open()
    await run.take(StartAssessment(), actor=ASSESSOR)

    closed = await run.take(
        DecideEligibility(accepted=False, reason="not a military family"), actor=ASSESSOR
    )

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.NOT_ELIGIBLE
    assert closed.close_reason == "not a military family"
    assert closed.closed_from is Stage.ASSESSMENT
    assert closed.closed_at == closed.updated_at
    assert closed.eligibility is not None
    assert closed.eligibility.accepted is False
    assert closed.eligibility.reason == "not a military family"
    assert await run.tasks() == []


async def test_reopening_a_not_eligible_case_returns_it_to_assessment(scenario: Scenario) -> None:
    run = await scenario.open()
    # Rejected straight from intake: the reopened case still goes to assessment.
    await run.take(DecideEligibility(accepted=False, reason="no papers"), actor=ASSESSOR)

    reopened = await run.take(ReopenCase(reason="papers found"), actor=SUPERVISOR)

    assert reopened.stage is Stage.ASSESSMENT
    assert reopened.reopen_count == 1
    assert reopened.outcome is None
    assert reopened.closed_at is None
    assert reopened.close_reason is None
    assert reopened.closed_from is None
    assert reopened.track_outcomes == {}
    active = await run.take(DecideEligibility(accepted=True), actor=ASSESSOR)
    assert active.stage is Stage.ACTIVE


async def test_reopening_returns_to_the_stage_the_case_was_closed_from(
    scenario: Scenario,
) -> None:
    at_intake = await scenario.open()
    await at_intake.take(WithdrawCase(reason="claimant withdrew"))
    assert (await at_intake.take(ReopenCase(reason="came back"))).stage is Stage.INTAKE

    at_assessment = await scenario.open()
    await at_assessment.take(StartAssessment(), actor=ASSESSOR)
    await at_assessment.take(CloseCase(outcome=CaseOutcome.UNREACHABLE))
    reopened = await at_assessment.take(ReopenCase(reason="reached by phone"))
    assert reopened.stage is Stage.ASSESSMENT

    active = await scenario.open()
    await active.activate()
    await active.take(CloseCase(outcome=CaseOutcome.SERVED))
    first = await active.take(ReopenCase(reason="new problem"))
    assert first.stage is Stage.ACTIVE
    assert first.reopen_count == 1
    await active.take(WithdrawCase(reason="moved away"))
    second = await active.take(ReopenCase(reason="moved back"))
    assert second.stage is Stage.ACTIVE
    assert second.reopen_count == 2


async def test_only_a_closed_case_can_be_reopened(scenario: Scenario) -> None:
    run = await scenario.open()
    await run.reject(ReopenCase(reason="why not"), "wrong_stage", field="stage")
    await run.activate()
    await run.reject(ReopenCase(reason="why not"), "wrong_stage", field="stage")


async def test_withdrawing_at_intake_closes_with_reason(scenario: Scenario) -> None:
    run = await scenario.open()

    closed = await run.take(WithdrawCase(reason="claimant no longer needs help"))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.WITHDRAWN
    assert closed.close_reason == "claimant no longer needs help"
    assert closed.closed_from is Stage.INTAKE
    assert await run.tasks() == []


async def test_withdrawing_an_active_case_closes_with_reason(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)
    await run.take(ReferToJob(employer="Acme", position="guard", referred_on=date(2025, 3, 1)))

    closed = await run.take(WithdrawCase(reason="found a job himself"))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.WITHDRAWN
    assert closed.closed_from is Stage.ACTIVE
    assert closed.close_reason == "found a job himself"
    assert closed.track_outcomes == {"job_referral": "referred"}
    await run.reject(WithdrawCase(reason="again"), "wrong_stage")


async def test_withdrawal_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        WithdrawCase()  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        WithdrawCase(reason="")


async def test_closing_without_open_items_needs_no_reason(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)

    closed = await run.take(CloseCase(outcome=CaseOutcome.SERVED))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.SERVED
    assert closed.close_reason is None
    assert closed.track_outcomes == {"job_referral": "not_started"}


async def test_closing_with_open_items_needs_a_reason_then_stops_clocks_and_matters(
    scenario: Scenario,
) -> None:
    run = await scenario.open(intake(Need.JOB_REFERRAL, Need.LEGAL_AID))
    await run.take(
        RecordInfringement(infringement="wages withheld", infringer="Acme Ltd"), actor=LAWYER
    )
    await run.activate()
    await run.take(AssignLawyer(lawyer=LAWYER.id), actor=SUPERVISOR)
    await run.take(
        ReferMatter(department=Department.LABOUR, channel=Channel.PHONE), "M2", actor=LAWYER
    )
    today = (await scenario.now()).date()
    await run.take(ReferToJob(employer="Acme", position="driver", referred_on=today))
    referral_id = (await run.case()).referrals[0].id
    await run.take(RecordOffer(monthly_wage=Decimal("4200")), referral_id)
    await run.take(RecordPlacement(starts_on=today, monthly_wage=Decimal("4200")), referral_id)
    await run.take(
        ReferToJob(employer="Globex", position="clerk", referred_on=today)
    )  # a second, still open referral

    details = await run.reject(CloseCase(outcome=CaseOutcome.PLACED), "reason_required")
    assert details["field"] == "reason"

    closed = await run.take(CloseCase(outcome=CaseOutcome.PLACED, reason="claimant moved"))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.PLACED
    assert closed.close_reason == "claimant moved"
    assert follow_up_statuses(closed, referral_id) == {
        30: "cancelled",
        90: "cancelled",
        180: "cancelled",
    }
    (matter,) = closed.legal_matters
    assert matter.status is MatterStatus.CLOSED_WITHOUT_REMEDY
    assert matter.closure_reason == "case closed: claimant moved"
    assert await run.tasks() == []
    snapshot = await run.matter_snapshot(
        "M2",
        lambda s: s.matter.status is MatterStatus.CLOSED_WITHOUT_REMEDY,
        what="matter closed with the case",
    )
    assert snapshot.seq == closed.version
    await completed(run.matter("M2"))

    # The cancelled follow-ups never fall due.
    history_length = len(await run.history())
    await scenario.sleep_until(midnight_utc(today + timedelta(days=181)))
    after = await run.case()
    assert after == closed
    assert len(await run.history()) == history_length
    assert all(f.status is FollowUpStatus.CANCELLED for f in after.referrals[0].follow_ups)
