"""What steps do to clocks: started, met (late ones need a reason), paused and resumed,
reassigned, sounded; and a policy loaded before a kind of clock existed."""

from __future__ import annotations

from datetime import timedelta

from services.cases.model import Need
from services.cases.steps import (
    AssignLawyer,
    DecideEligibility,
    PauseClock,
    ResumeClock,
    StartAssessment,
)
from services.deadlines.policy import DEFAULT_RULES, ClockKind, ClockPolicy
from services.legal_aid.model import RecordInfringement
from tests.support import ASSESSOR, LAWYER, STAFF, SUPERVISOR
from tests.unit.story import CALENDAR_AND_POLICY, Story

ELIGIBILITY = "eligibility@1"


def test_intake_starts_the_eligibility_and_stale_clocks_for_whoever_opened_it() -> None:
    story = Story.opened()

    assert {(c.id, c.assignee) for c in story.current.clocks} == {
        (ELIGIBILITY, STAFF.id),
        ("case_stale@1", STAFF.id),
    }


def test_a_decision_after_the_due_time_needs_a_late_reason_and_records_how_late() -> None:
    story = Story.opened()
    story.later(timedelta(days=10))

    story.refuses(DecideEligibility(accepted=True), "late_reason_required", field="late_reason")
    decided = story.take(DecideEligibility(accepted=True, late_reason="papers came late"))

    (clock,) = [c for c in story.last.clocks if c.id == ELIGIBILITY]
    assert clock.satisfied_at == decided.updated_at
    assert clock.late_reason == "papers came late"
    assert clock.late_by_seconds and clock.late_by_seconds > 0
    assert clock.breached  # its alarm sounded on the way


def test_a_paused_clock_resumes_with_its_due_time_moved_by_the_pause() -> None:
    story = Story.opened()
    due = story.current.clocks[0].due_at
    story.refuses(ResumeClock(), "wrong_status", ELIGIBILITY)

    story.take(PauseClock(reason="waiting on the claimant's papers"), ELIGIBILITY)
    story.refuses(PauseClock(reason="again"), "wrong_status", ELIGIBILITY)
    story.later(timedelta(hours=5))
    resumed = story.take(ResumeClock(), ELIGIBILITY)

    (clock,) = [c for c in resumed.clocks if c.id == ELIGIBILITY]
    assert clock.due_at == due + timedelta(hours=5)
    assert clock.paused_at is None
    story.refuses(PauseClock(reason="x"), "unknown_clock", "no-such-clock", field="clock_id")


def test_the_assessor_takes_over_the_eligibility_clock_and_a_new_lawyer_the_matters() -> None:
    story = Story.opened(Need.LEGAL_AID)
    story.take(RecordInfringement(infringement="wages withheld", infringer="Acme"), actor=LAWYER)
    story.take(StartAssessment(), actor=ASSESSOR)
    story.take(AssignLawyer(lawyer="lawyer-9"), actor=SUPERVISOR)

    assignees = {c.kind.value: c.assignee for c in story.current.clocks if not c.satisfied_at}
    assert assignees["eligibility"] == ASSESSOR.id
    assert assignees["legal_referral"] == assignees["matter_stale"] == "lawyer-9"
    assert assignees["case_stale"] == STAFF.id


def test_a_breached_clock_climbs_the_ladder_to_the_centre_head() -> None:
    story = Story.opened()

    alarms = [e for e in story.later(timedelta(days=30)) if e.step.kind == "clock_alarm"]

    eligibility = [e.clocks[0] for e in alarms if e.target == ELIGIBILITY]
    assert [(c.warned, c.level) for c in eligibility] == [
        (True, 0),
        (True, 1),
        (True, 2),
        (True, 3),
    ]
    assert [c.rung for c in eligibility[1:]] == ["assignee", "supervisor", "centre_head"]


def test_a_run_whose_policy_lacks_a_kind_of_clock_uses_that_kinds_default() -> None:
    older = ClockPolicy(
        rules={
            kind: rule
            for kind, rule in CALENDAR_AND_POLICY.policy.rules.items()
            if kind != ClockKind.FOLLOW_UP
        }
    )

    assert older.rule(ClockKind.FOLLOW_UP) == DEFAULT_RULES[ClockKind.FOLLOW_UP]
    assert older.rule(ClockKind.ELIGIBILITY) == CALENDAR_AND_POLICY.policy.rule(
        ClockKind.ELIGIBILITY
    )
