"""Given these steps, when this step, then this case or this refusal: the case's rules as
its workflow runs them (``rules.check``, ``rules.record`` with its clocks, ``rules.evolve``,
the steps it records on its own), in memory and in milliseconds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.cases import rules
from services.cases.model import CaseFile, Need
from services.cases.steps import CaseEvent, DecideEligibility, StartAssessment, Step
from services.deadlines.alarms import due_actions, next_action_at
from services.deadlines.calendar import DEFAULT_DIRECTORY
from services.deadlines.clocks import DeadlineRules, rules_in_force
from services.deadlines.policy import policy_with
from services.kernel.actors import SYSTEM_ACTOR, Actor, Role
from services.kernel.errors import StepRejected
from tests.support import ASSESSOR, STAFF, intake

# A Monday, 09:00 at the centre (UTC+8): working days ahead.
MONDAY_MORNING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CALENDAR_AND_POLICY: DeadlineRules = rules_in_force(
    MONDAY_MORNING, DEFAULT_DIRECTORY, 480, policy_with()
)
ANY = object()


class Story:
    """One case, step by step, at a clock the test moves on."""

    def __init__(self, at: datetime = MONDAY_MORNING, deadlines: DeadlineRules | None = None):
        self.case_id = str(uuid.uuid4())
        self.case: CaseFile | None = None
        self.now = at
        self.deadlines = deadlines or CALENDAR_AND_POLICY
        self.events: list[CaseEvent] = []

    @classmethod
    def opened(cls, *needs: Need, **intake_fields: Any) -> Story:
        story = cls()
        story.take(intake(*needs, **intake_fields))
        return story

    @classmethod
    def active(cls, *needs: Need, **intake_fields: Any) -> Story:
        """intake → assessment → eligibility accepted."""
        story = cls.opened(*needs, **intake_fields)
        story.take(StartAssessment(), actor=ASSESSOR)
        story.take(DecideEligibility(accepted=True), actor=ASSESSOR)
        return story

    @property
    def current(self) -> CaseFile:
        assert self.case is not None, "no case opened yet"
        return self.case

    def take(self, step: Step, target: str | None = None, actor: Actor = STAFF) -> CaseFile:
        """Accept ``step`` (first what fell due on its own, as the workflow does)."""
        if actor.role is not Role.SYSTEM:
            self.record_due()
        rules.check(self.case, step, actor=actor, target=target, now=self.now)
        event = rules.record(
            self.case,
            step,
            case_id=self.case_id,
            actor=actor,
            target=target,
            at=self.now,
            deadlines=self.deadlines,
        )
        self.case = rules.evolve(self.case, event)
        self.events.append(event)
        return self.case

    def refuses(
        self,
        step: Step,
        code: str,
        target: str | None = None,
        actor: Actor = STAFF,
        *,
        field: object = ANY,
    ) -> StepRejected:
        """Assert ``step`` is refused with ``code`` (and ``field``), changing nothing."""
        before, recorded = self.case, len(self.events)
        with pytest.raises(StepRejected) as refused:
            self.take(step, target, actor)
        assert refused.value.code == code, refused.value.message
        if field is not ANY:
            assert refused.value.field == field, refused.value.field
        assert (self.case, len(self.events)) == (before, recorded)
        return refused.value

    def later(self, span: timedelta) -> list[CaseEvent]:
        """Move the clock on by ``span``; what falls due on the way (follow-ups, clock
        alarms) is recorded at its own time, as the workflow's timers do. Returns those."""
        until, recorded = self.now + span, len(self.events)
        while (at := next_action_at(self.case, self.deadlines)) is not None and at <= until:
            self.now = max(self.now, at)
            self.record_due()
        self.now = until
        return self.events[recorded:]

    def record_due(self) -> None:
        for step, target in due_actions(self.case, self.deadlines, self.now):
            self.take(step, target, SYSTEM_ACTOR)

    @property
    def last(self) -> CaseEvent:
        return self.events[-1]
