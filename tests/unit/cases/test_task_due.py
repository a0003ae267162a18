"""Every open item waits on someone with a due time: its clock's (the task follows a paused
clock: no due time while paused), or its item's date; items without either have none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.cases.model import Need
from services.cases.progress import Task, TaskKind, open_tasks
from services.cases.steps import PauseClock
from services.deadlines.policy import ClockKind
from services.hardship_aid.model import GrantHardshipAid
from services.job_referral.model import RecordInterview
from services.kernel.actors import Role
from services.startup_aid.model import ApproveStartupAid
from tests.support import STAFF
from tests.unit.story import Story
from tests.unit.test_every_step import (
    APPLICATION,
    COURSE,
    DAY,
    HARDSHIP,
    MONEY,
    PETITION,
    REFERRAL,
)


def task(story: Story, kind: TaskKind) -> Task:
    (found,) = [t for t in open_tasks(story.current) if t.kind is kind]
    return found


def clock_due(story: Story, kind: ClockKind) -> datetime:
    (due,) = [c.due_at for c in story.current.clocks if c.kind is kind and c.running]
    return due


def test_deciding_eligibility_is_due_when_its_clock_is() -> None:
    story = Story.opened()
    decide = task(story, TaskKind.DECIDE_ELIGIBILITY)
    assert decide.due_at == clock_due(story, ClockKind.ELIGIBILITY)
    assert (decide.assignee, decide.role) == (STAFF.id, Role.STAFF)

    story.take(PauseClock(reason="waiting for papers"), "eligibility@1")
    assert task(story, TaskKind.DECIDE_ELIGIBILITY).due_at is None


def test_a_hardship_request_is_due_with_its_decision_clock_and_its_payment_is_not() -> None:
    story = Story.active(Need.HARDSHIP_AID)
    story.take(HARDSHIP)
    assert task(story, TaskKind.DECIDE_HARDSHIP_REQUEST).due_at == clock_due(
        story, ClockKind.HARDSHIP_DECISION
    )
    story.take(GrantHardshipAid(amount_granted=MONEY), "H4")
    assert task(story, TaskKind.PAY_HARDSHIP_GRANT).due_at is None


def test_a_course_under_way_is_due_the_morning_after_it_ends() -> None:
    story = Story.active(Need.TRAINING)
    story.take(COURSE)
    course = task(story, TaskKind.RECORD_TRAINING_RESULT)
    assert (course.target, course.assignee) == ("T4", STAFF.id)
    assert course.due_at == datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC)


def test_an_interview_waits_to_be_recorded_then_its_outcome_is_due_the_day_after() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    story.take(REFERRAL)
    assert task(story, TaskKind.RECORD_INTERVIEW).due_at is None
    story.take(RecordInterview(interview_on=DAY), "R4")
    outcome = task(story, TaskKind.RECORD_INTERVIEW_OUTCOME)
    assert outcome.due_at == datetime(2026, 3, 3, tzinfo=UTC)


def test_start_up_and_relief_decisions_wait_on_the_owner() -> None:
    story = Story.active(Need.STARTUP_AID, Need.FEE_RELIEF)
    story.take(APPLICATION)
    story.take(PETITION)
    assert task(story, TaskKind.DECIDE_STARTUP_APPLICATION).assignee == STAFF.id
    assert task(story, TaskKind.CHASE_PETITION).target == "P5"
    story.take(ApproveStartupAid(amount_approved=MONEY), "S4")
    assert task(story, TaskKind.DISBURSE_STARTUP_GRANT).target == "S4"
