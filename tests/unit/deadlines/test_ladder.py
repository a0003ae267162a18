"""The escalation ladder ends at someone who can act: the centre head, a role that reads
every case of the centre, its escalations and its reports."""

from __future__ import annotations

from datetime import timedelta

from services.deadlines.alarms import notification_for
from services.deadlines.policy import LADDER
from services.kernel.actors import Role
from tests.unit.story import Story

READ_EVERY_CASE = (Role.STAFF, Role.SUPERVISOR, Role.HEAD)


def test_a_breach_climbs_to_the_centre_head_role() -> None:
    story = Story.opened()

    alarms = story.later(timedelta(days=30))

    levels = {}
    for event in alarms:
        notice = notification_for(event, story.current)
        if notice is not None and event.clocks[0].kind == "eligibility":
            levels[event.clocks[0].level] = (notice.recipient, notice.role)
    assert levels[2] == ("supervisor", Role.SUPERVISOR)
    assert levels[3] == ("centre_head", Role.HEAD)


def test_every_rung_after_the_assignee_is_a_role_that_reads_the_centres_cases() -> None:
    (first, _), *rungs = LADDER
    assert first == "assignee"
    assert all(role in READ_EVERY_CASE for _, role in rungs)
