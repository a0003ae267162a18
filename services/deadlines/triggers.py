"""Which clocks each step starts, meets, stops, pauses, resumes or sounds.

A track's steps declare what they do to clocks (``StepRule.clocks``); the case's own
steps declare it here. Every step a person takes also restarts the case's stale clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.cases.model import CaseFile
from services.cases.registry import STEP_RULES
from services.cases.steps import (
    AssignLawyer,
    CaseEvent,
    ClockAlarm,
    CloseCase,
    DecideEligibility,
    PauseClock,
    ReassignCase,
    ResumeClock,
    StartAssessment,
    Step,
    WithdrawCase,
)
from services.deadlines.clocks import (
    Clock,
    DeadlineRules,
    pause,
    resume,
    satisfy,
    sound,
    start_clock,
)
from services.deadlines.declarations import (
    ClockEffect,
    Meet,
    Reassign,
    Restart,
    Start,
    StopAll,
    StopUnder,
)
from services.deadlines.policy import CASE_STALE, CLOCKS, ELIGIBILITY, STALE, ClockKind
from services.kernel.actors import Role
from services.kernel.errors import StepRejected


def _rejected(step: DecideEligibility) -> bool:
    return not step.accepted


_CASE_STEPS: dict[type, tuple[ClockEffect, ...]] = {
    DecideEligibility: (Meet(ELIGIBILITY.kind), StopAll(when=_rejected)),
    StartAssessment: (Reassign(to=lambda event: event.actor.id, kinds=(ELIGIBILITY.kind,)),),
    AssignLawyer: (
        Reassign(to=lambda event: getattr(event.step, "lawyer", None), role=Role.LAWYER),
    ),
    # The new owner takes every open clock worked by staff (the assessment's too).
    ReassignCase: (Reassign(to=lambda event: getattr(event.step, "owner", None), role=Role.STAFF),),
    CloseCase: (StopAll(),),
    WithdrawCase: (StopAll(),),
}


def effects_of(step: Step) -> tuple[ClockEffect, ...]:
    rule = STEP_RULES.get(type(step))
    return rule.clocks if rule is not None else _CASE_STEPS.get(type(step), ())


@dataclass(frozen=True)
class _Proposed:
    """A step not yet accepted, as its clocks' targets see it."""

    step: Any
    target: str | None
    seq: int


def satisfied_by(case: CaseFile, step: Step, target: str | None) -> list[Clock]:
    """Open clocks that this step is the awaited action for."""
    taken = _Proposed(step, target, case.version + 1)
    meets = [effect for effect in effects_of(step) if isinstance(effect, Meet)]
    return [
        clock
        for clock in case.clocks
        if clock.satisfied_at is None
        and any(
            clock.kind == meet.kind and (meet.at is None or clock.target == meet.at(taken))
            for meet in meets
        )
    ]


def check_clock_step(
    case: CaseFile, step: Step, target: str | None, now: datetime | None = None
) -> None:
    """Pause/resume need a clock in the right state; a late step needs a reason."""
    if isinstance(step, PauseClock | ResumeClock | ClockAlarm):
        clock = next((c for c in case.clocks if c.id == target and c.satisfied_at is None), None)
        if clock is None:
            raise StepRejected(f"no open clock {target!r}", code="unknown_clock", field="clock_id")
        if isinstance(step, PauseClock) and clock.paused_at is not None:
            raise StepRejected("the clock is already paused", code="wrong_status")
        if isinstance(step, ResumeClock) and clock.paused_at is None:
            raise StepRejected("the clock is not paused", code="wrong_status")
        return
    late = [
        clock
        for clock in satisfied_by(case, step, target)
        if clock.kind not in STALE and (clock.breached or (now is not None and now > clock.due_at))
    ]
    if late and not step.late_reason:
        raise StepRejected(
            f"this step is late ({', '.join(c.id for c in late)}): say why in late_reason",
            code="late_reason_required",
            field="late_reason",
        )


def clock_changes(case: CaseFile | None, event: CaseEvent, rules: DeadlineRules) -> list[Clock]:
    """The clocks this event starts or changes, as their new states."""
    step, at, seq = event.step, event.at, event.seq
    changes: dict[str, Clock] = {}

    def start(kind: str, target: str | None, assignee: str | None) -> None:
        clock = start_clock(
            rules, ClockKind(kind), at=at, seq=seq, target=target, assignee=assignee
        )
        changes[clock.id] = clock

    def settle(clocks: list[Clock], reason: str | None = None) -> None:
        for clock in clocks:
            changes[clock.id] = satisfy(clock, at, reason)

    if case is None:
        start(ELIGIBILITY.kind, None, event.actor.id)
        start(CASE_STALE.kind, None, event.actor.id)
        return list(changes.values())

    def assignee(kind: str) -> str | None:
        # A lawyer's clock is the case's lawyer's (or, until one is assigned, whoever
        # started it); any other is the case owner's.
        if CLOCKS[kind].role is Role.LAWYER:
            return case.lawyer or event.actor.id
        return case.owner

    open_clocks = [clock for clock in case.clocks if clock.satisfied_at is None]
    settle(satisfied_by(case, step, event.target), step.late_reason)
    effects = effects_of(step)
    if any(isinstance(effect, StopAll) and effect.when(step) for effect in effects):
        settle([clock for clock in open_clocks if clock.id not in changes])
        return list(changes.values())
    if isinstance(step, PauseClock | ResumeClock | ClockAlarm):
        clock = next(c for c in open_clocks if c.id == event.target)
        if isinstance(step, PauseClock):
            changes[clock.id] = pause(clock, at, step.reason)
        elif isinstance(step, ResumeClock):
            changes[clock.id] = resume(clock, at)
        else:
            changes[clock.id] = sound(clock, rules, at)
        return list(changes.values())
    for effect in effects:
        if isinstance(effect, Start):
            start(effect.kind, effect.at(event), assignee(effect.kind))
        elif isinstance(effect, Restart):
            target = effect.at(event)
            settle([c for c in open_clocks if (c.kind, c.target) == (effect.kind, target)])
            start(effect.kind, target, assignee(effect.kind))
        elif isinstance(effect, StopUnder) and effect.when(step):
            settle(_under(open_clocks, effect, event, changes))
        elif isinstance(effect, Reassign):
            _reassign(open_clocks, effect, event, changes)
    if event.actor.role is not Role.SYSTEM:
        settle([c for c in open_clocks if c.kind == CASE_STALE.kind])
        owner = step.owner if isinstance(step, ReassignCase) else case.owner
        start(CASE_STALE.kind, None, owner)
    return list(changes.values())


def _under(
    open_clocks: list[Clock], effect: StopUnder, event: CaseEvent, changes: dict[str, Clock]
) -> list[Clock]:
    """Open clocks on the item and its parts (``M3``, ``M3/labour``) not changed yet."""
    item = effect.at(event)
    return [
        clock
        for clock in open_clocks
        if (clock.target == item or (clock.target or "").startswith(f"{item}/"))
        and (not effect.kinds or clock.kind in effect.kinds)
        and clock.id not in changes
    ]


def _reassign(
    open_clocks: list[Clock], effect: Reassign, event: CaseEvent, changes: dict[str, Clock]
) -> None:
    new_assignee = effect.to(event)
    for clock in open_clocks:
        if clock.kind in effect.kinds or CLOCKS[clock.kind].role is effect.role:
            changes[clock.id] = clock.model_copy(update={"assignee": new_assignee})


def merge_clocks(clocks: list[Clock], changes: list[Clock]) -> list[Clock]:
    """Apply changes; forget stale clocks met in time (the timeline keeps them)."""
    by_id = {clock.id: clock for clock in clocks}
    for clock in changes:
        by_id[clock.id] = clock
    return [
        clock
        for clock in by_id.values()
        if not (clock.kind in STALE and clock.satisfied_at is not None and not clock.breached)
    ]
