"""What a case must do on its own, and when: tracks' steps falling due, clocks sounding."""

from __future__ import annotations

from datetime import datetime

from services.cases.lifecycle import Stage
from services.cases.model import CaseFile
from services.cases.registry import TRACKS
from services.cases.steps import CLOCK_ALARM, CaseEvent, ClockAlarm, Step
from services.deadlines.clocks import DeadlineRules, next_alarm, who_must_act
from services.notify.model import Notification


def _pending(
    case: CaseFile | None, rules: DeadlineRules | None
) -> list[tuple[datetime, Step, str]]:
    if case is None or case.stage is Stage.CLOSED:
        return []
    pending: list[tuple[datetime, Step, str]] = [
        (due.at, due.step, due.target) for track in TRACKS for due in track.due(case)
    ]
    if rules is not None:
        for clock in case.clocks:
            alarm_at = next_alarm(clock, rules)
            if alarm_at is not None:
                pending.append((alarm_at, ClockAlarm(), clock.id))
    return pending


def next_action_at(case: CaseFile | None, rules: DeadlineRules | None) -> datetime | None:
    times = [at for at, _, _ in _pending(case, rules)]
    return min(times) if times else None


def due_actions(
    case: CaseFile | None, rules: DeadlineRules | None, now: datetime
) -> list[tuple[Step, str]]:
    """System steps due by ``now``, oldest first (each is a (step, target) pair)."""
    due = sorted((item for item in _pending(case, rules) if item[0] <= now), key=lambda i: i[0])
    return [(step, target) for _, step, target in due]


def notification_for(event: CaseEvent, case: CaseFile) -> Notification | None:
    """A clock's alarm tells the person (or rung) who must act now."""
    if event.step.kind != CLOCK_ALARM or not event.clocks:
        return None
    clock = event.clocks[0]
    recipient, role = who_must_act(clock, case.owner)
    what = f"{clock.kind.value}" + (f" {clock.target}" if clock.target else "")
    if clock.breached:
        late = event.at - clock.due_at
        message = (
            f"case {case.id}: {what} was due {clock.due_at:%Y-%m-%d %H:%M} UTC and is "
            f"{late.days}d {late.seconds // 3600}h late (escalated to {clock.rung})"
        )
    else:
        message = f"case {case.id}: {what} is due {clock.due_at:%Y-%m-%d %H:%M} UTC"
    return Notification(
        case_id=case.id,
        seq=event.seq,
        clock_id=clock.id,
        kind="breached" if clock.breached else "due_soon",
        recipient=recipient,
        role=role,
        message=message,
        at=event.at,
        due_at=clock.due_at,
        rung=clock.rung if clock.breached else None,
    )
