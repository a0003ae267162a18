"""The case owner: the intake's until a supervisor reassigns the case; the staff work of
the case (its tasks and clocks) follows the owner, the intake's name stays."""

from __future__ import annotations

from datetime import timedelta

from services.cases.lifecycle import Stage
from services.cases.model import CaseFile, Need
from services.cases.progress import TaskKind, open_tasks
from services.cases.steps import ReassignCase, StartAssessment
from services.deadlines.alarms import notification_for
from services.deadlines.policy import ClockKind
from services.job_referral.model import RecordOffer, RecordPlacement, ReferToJob
from services.kernel.actors import Role
from services.notify.model import Notification
from tests.support import ASSESSOR, STAFF, SUPERVISOR
from tests.unit.story import Story
from tests.unit.test_every_step import DAY, MONEY

NEW_OWNER = "staff-2"


def open_staff_clocks(case: CaseFile) -> dict[str, str | None]:
    return {
        clock.id: clock.assignee
        for clock in case.clocks
        if clock.satisfied_at is None and clock.kind is not ClockKind.LEGAL_REFERRAL
    }


def test_a_case_is_owned_by_its_intake_until_reassigned() -> None:
    story = Story.opened()
    assert (story.current.owner, story.current.intake_by) == (STAFF.id, STAFF.id)

    case = story.take(ReassignCase(owner=NEW_OWNER, reason="leave"), actor=SUPERVISOR)

    assert (case.owner, case.intake_by) == (NEW_OWNER, STAFF.id)
    assert story.last.actor == SUPERVISOR
    (task,) = open_tasks(case)
    assert (task.kind, task.assignee) == (TaskKind.DECIDE_ELIGIBILITY, NEW_OWNER)
    assert set(open_staff_clocks(case).values()) == {NEW_OWNER}


def test_an_assessment_under_way_passes_to_the_new_owner() -> None:
    story = Story.opened()
    story.take(StartAssessment(), actor=ASSESSOR)

    case = story.take(ReassignCase(owner=NEW_OWNER), actor=SUPERVISOR)

    assert case.stage is Stage.ASSESSMENT
    assert case.assessor == NEW_OWNER
    (task,) = open_tasks(case)
    assert task.assignee == NEW_OWNER
    assert set(open_staff_clocks(case).values()) == {NEW_OWNER}


def test_follow_ups_and_their_clocks_follow_the_owner() -> None:
    story = Story.active(Need.JOB_REFERRAL)
    story.take(ReferToJob(employer="Acme", position="Driver", referred_on=DAY))
    story.take(RecordOffer(), "R4")
    story.take(RecordPlacement(starts_on=DAY, monthly_wage=MONEY), "R4")
    story.take(ReassignCase(owner=NEW_OWNER), actor=SUPERVISOR)

    story.later(timedelta(days=31))

    follow_ups = [t for t in open_tasks(story.current) if t.kind is TaskKind.RECORD_FOLLOW_UP]
    assert follow_ups and {t.assignee for t in follow_ups} == {NEW_OWNER}
    clocks = [c for c in story.current.clocks if c.kind is ClockKind.FOLLOW_UP]
    assert clocks and {c.assignee for c in clocks} == {NEW_OWNER}


def test_a_breach_after_reassignment_tells_the_new_owner() -> None:
    story = Story.opened()
    story.take(ReassignCase(owner=NEW_OWNER), actor=SUPERVISOR)

    alarms = story.later(timedelta(days=10))

    first_breach = next(e for e in alarms if e.clocks and e.clocks[0].level == 1)
    notice = notification_for(first_breach, story.current)
    assert isinstance(notice, Notification)
    assert (notice.recipient, notice.role) == (NEW_OWNER, Role.STAFF)


def test_reassigning_to_the_present_owner_is_refused() -> None:
    story = Story.active()
    story.refuses(ReassignCase(owner=STAFF.id), "already_owner", actor=SUPERVISOR)


def test_a_stored_case_without_an_owner_is_owned_by_its_intake() -> None:
    stored = Story.opened().current.model_dump(mode="json")
    del stored["owner"]
    assert CaseFile.model_validate(stored).owner == STAFF.id
