"""Which clocks each step starts, satisfies, pauses, resumes or sounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.cases.model import CaseFile
from services.cases.steps import CaseEvent, ClockAlarm, PauseClock, ResumeClock, Step
from services.deadlines.clocks import (
    Clock,
    DeadlineRules,
    pause,
    resume,
    satisfy,
    sound,
    start_clock,
)
from services.deadlines.policy import ClockKind
from services.kernel.actors import Role
from services.kernel.errors import StepRejected

STALE = (ClockKind.CASE_STALE, ClockKind.MATTER_STALE)
CLOSING = ("case_closed", "case_withdrawn")


def satisfied_by(case: CaseFile, step: Step, target: str | None) -> list[Clock]:
    """Open clocks that this step is the awaited action for."""
    wanted: Callable[[Clock], bool]
    kind = step.kind
    if kind == "eligibility_decided":
        wanted = lambda clock: clock.kind is ClockKind.ELIGIBILITY  # noqa: E731
    elif kind == "matter_referred":
        wanted = lambda clock: (clock.kind, clock.target) == (ClockKind.LEGAL_REFERRAL, target)  # noqa: E731
    elif kind == "matter_acknowledged":
        ack_target = f"{target}/{getattr(step, 'department', '')}"
        wanted = lambda clock: (clock.kind, clock.target) == (ClockKind.ACKNOWLEDGEMENT, ack_target)  # noqa: E731
    elif kind == "follow_up_recorded":
        follow_up = f"{target}/{getattr(step, 'day', '')}"
        wanted = lambda clock: (clock.kind, clock.target) == (ClockKind.FOLLOW_UP, follow_up)  # noqa: E731
    else:
        return []
    return [clock for clock in case.clocks if clock.satisfied_at is None and wanted(clock)]


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

    def start(kind: ClockKind, target: str | None, assignee: str | None) -> None:
        clock = start_clock(rules, kind, at=at, seq=seq, target=target, assignee=assignee)
        changes[clock.id] = clock

    def settle(clocks: list[Clock], reason: str | None = None) -> None:
        for clock in clocks:
            changes[clock.id] = satisfy(clock, at, reason)

    if case is None:
        start(ClockKind.ELIGIBILITY, None, event.actor.id)
        start(ClockKind.CASE_STALE, None, event.actor.id)
        return list(changes.values())
    open_clocks = [clock for clock in case.clocks if clock.satisfied_at is None]
    settle(satisfied_by(case, step, event.target), step.late_reason)
    kind, target = step.kind, event.target
    lawyer = case.lawyer or event.actor.id
    if kind in CLOSING or (kind == "eligibility_decided" and not getattr(step, "accepted", True)):
        settle([clock for clock in open_clocks if clock.id not in changes])
        return list(changes.values())
    if isinstance(step, PauseClock | ResumeClock | ClockAlarm):
        clock = next(c for c in open_clocks if c.id == target)
        if isinstance(step, PauseClock):
            changes[clock.id] = pause(clock, at, step.reason)
        elif isinstance(step, ResumeClock):
            changes[clock.id] = resume(clock, at)
        else:
            changes[clock.id] = sound(clock, rules, at)
        return list(changes.values())
    if kind == "infringement_recorded":
        start(ClockKind.LEGAL_REFERRAL, f"M{seq}", lawyer)
        start(ClockKind.MATTER_STALE, f"M{seq}", lawyer)
    elif kind == "matter_referred":
        start(ClockKind.ACKNOWLEDGEMENT, f"{target}/{getattr(step, 'department', '')}", lawyer)
    elif kind in ("matter_resolved", "matter_closed"):
        prefix = f"{target}/"
        settle(
            [c for c in open_clocks if c.target == target or (c.target or "").startswith(prefix)]
        )
    elif kind == "follow_up_recorded" and not getattr(step, "still_employed", True):
        # Nobody to follow up once the person has left: later follow-ups' clocks stop too.
        prefix = f"{target}/"
        settle(
            [
                c
                for c in open_clocks
                if c.kind is ClockKind.FOLLOW_UP
                and (c.target or "").startswith(prefix)
                and c.id not in changes
            ]
        )
    if kind == "follow_up_due":
        start(ClockKind.FOLLOW_UP, f"{target}/{getattr(step, 'day', '')}", case.intake_by)
    elif kind in ("assessment_started", "lawyer_assigned"):
        _reassign(open_clocks, event, changes)
    if kind in ("matter_referred", "matter_acknowledged"):
        stale = [c for c in open_clocks if (c.kind, c.target) == (ClockKind.MATTER_STALE, target)]
        settle(stale)
        start(ClockKind.MATTER_STALE, target, lawyer)
    if event.actor.role is not Role.SYSTEM:
        settle([c for c in open_clocks if c.kind is ClockKind.CASE_STALE])
        start(ClockKind.CASE_STALE, None, case.intake_by)
    return list(changes.values())


def _reassign(open_clocks: list[Clock], event: CaseEvent, changes: dict[str, Clock]) -> None:
    step = event.step
    legal = step.kind == "lawyer_assigned"
    new_assignee = getattr(step, "lawyer", None) if legal else event.actor.id
    for clock in open_clocks:
        is_legal = clock.kind in (
            ClockKind.LEGAL_REFERRAL,
            ClockKind.ACKNOWLEDGEMENT,
            ClockKind.MATTER_STALE,
        )
        if (legal and is_legal) or (not legal and clock.kind is ClockKind.ELIGIBILITY):
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
