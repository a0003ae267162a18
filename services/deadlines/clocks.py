"""Clocks as pure state: which step starts, satisfies, pauses or escalates which clock.

A clock is an instance (``kind:target@seq``): a restarted clock is a new instance, so
every breach stays on record. Changes are computed from the case before a step and the
step's event, with the calendar and policy in force, and carried on the event itself:
replaying the timeline never needs the calendar again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from services.deadlines.calendar import WorkingCalendar, load_calendar
from services.deadlines.declarations import ClockRule, Unit
from services.deadlines.policy import CLOCKS, LADDER, ClockKind, ClockPolicy
from services.kernel.actors import Role
from services.kernel.values import Frozen


class Clock(Frozen):
    id: str
    kind: ClockKind
    target: str | None = None
    assignee: str | None = None
    started_at: datetime
    due_at: datetime
    calendar_version: str
    paused_at: datetime | None = None
    pause_reason: str | None = None
    satisfied_at: datetime | None = None
    late_by_seconds: int | None = None
    late_reason: str | None = None
    warned: bool = False
    level: int = 0  # 0 on time; 1 assignee told of the breach; 2 supervisor; 3 centre head
    next_escalation_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.satisfied_at is None and self.paused_at is None

    @property
    def breached(self) -> bool:
        return self.level > 0

    @property
    def rung(self) -> str | None:
        return LADDER[self.level - 1][0] if self.level else None


class RulesRequest(Frozen):
    """Ask for the rules in force at ``at`` (the calendar years around it)."""

    at: datetime


class DeadlineRules(Frozen):
    """What the case workflow loads once per run: the calendar and policy in force."""

    calendar: WorkingCalendar
    policy: ClockPolicy


YEARS_AHEAD = 3


def rules_in_force(
    at: datetime, calendar_directory: Path, utc_offset_minutes: int, policy: ClockPolicy
) -> DeadlineRules:
    """The calendar years around ``at`` and the clock policy, as in force now."""
    years = range(at.year - 1, at.year + YEARS_AHEAD)
    calendar = load_calendar(calendar_directory, years, utc_offset_minutes)
    return DeadlineRules(calendar=calendar, policy=policy)


def later(rules: DeadlineRules, rule: ClockRule, start: datetime, amount: int) -> datetime:
    if rule.unit is Unit.WORKING_DAYS:
        return rules.calendar.add_working_days(start, amount)
    return start + timedelta(**{rule.unit.value: amount})


def start_clock(
    rules: DeadlineRules,
    kind: ClockKind,
    *,
    at: datetime,
    seq: int,
    target: str | None,
    assignee: str | None,
) -> Clock:
    rule = rules.policy.rule(kind)
    base = f"{kind.value}:{target}" if target else kind.value
    return Clock(
        id=f"{base}@{seq}",
        kind=kind,
        target=target,
        assignee=assignee,
        started_at=at,
        due_at=later(rules, rule, at, rule.duration),
        calendar_version=rules.calendar.version,
    )


def satisfy(clock: Clock, at: datetime, late_reason: str | None) -> Clock:
    """Met at ``at``: late if after its due time, whether or not its alarm had sounded."""
    is_late = clock.breached or at > clock.due_at
    late = max(int((at - clock.due_at).total_seconds()), 0) if is_late else None
    return clock.model_copy(
        update={
            "satisfied_at": at,
            "late_by_seconds": late,
            "late_reason": late_reason if is_late else None,
            "next_escalation_at": None,
        }
    )


def pause(clock: Clock, at: datetime, reason: str) -> Clock:
    return clock.model_copy(update={"paused_at": at, "pause_reason": reason})


def resume(clock: Clock, at: datetime) -> Clock:
    """The due time (and any pending escalation) moves by the span the clock was paused."""
    assert clock.paused_at is not None
    span = at - clock.paused_at
    next_escalation = clock.next_escalation_at + span if clock.next_escalation_at else None
    return clock.model_copy(
        update={
            "paused_at": None,
            "pause_reason": None,
            "due_at": clock.due_at + span,
            "next_escalation_at": next_escalation,
        }
    )


def next_alarm(clock: Clock, rules: DeadlineRules) -> datetime | None:
    """When this clock next needs the case to act: warn, breach, or climb the ladder."""
    if not clock.running:
        return None
    warn_hours = rules.policy.rule(clock.kind).warn_hours
    if not clock.warned and not clock.breached and warn_hours:
        warn_at = clock.due_at - timedelta(hours=warn_hours)
        if warn_at > clock.started_at:
            return warn_at
    if not clock.breached:
        return clock.due_at
    if clock.level < len(LADDER):
        return clock.next_escalation_at
    return None


def sound(clock: Clock, rules: DeadlineRules, at: datetime) -> Clock:
    """The clock's alarm went off at ``at``: warn it, or escalate it one rung."""
    if not clock.breached and at < clock.due_at:
        return clock.model_copy(update={"warned": True})
    rule = rules.policy.rule(clock.kind)
    level = clock.level + 1
    anchor = clock.due_at if level == 1 else (clock.next_escalation_at or at)
    next_at = later(rules, rule, anchor, rule.escalate_every) if level < len(LADDER) else None
    return clock.model_copy(update={"level": level, "next_escalation_at": next_at})


def who_must_act(clock: Clock, default_assignee: str) -> tuple[str, Role]:
    """The person (or role) a breach goes to at the clock's current rung."""
    rung, role = LADDER[max(clock.level, 1) - 1]
    if role is None:  # the clock's assignee, in the role that works it
        return clock.assignee or default_assignee, CLOCKS[clock.kind].role
    return rung, role
