"""What a case still has open, how each track ended, and the work waiting on people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from services.cases.lifecycle import Stage
from services.cases.model import CaseFile
from services.cases.registry import TRACK_OF_NEED, TRACKS
from services.deadlines.policy import ELIGIBILITY
from services.kernel.actors import Role
from services.kernel.values import Frozen

DECIDE_ELIGIBILITY = "decide_eligibility"
ASSIGN_LAWYER = "assign_lawyer"
# The kinds of work waiting on people: the case's own, then each track's.
TaskKind = StrEnum(  # type: ignore[misc]
    "TaskKind",
    {
        kind.upper(): kind
        for kind in (
            DECIDE_ELIGIBILITY,
            ASSIGN_LAWYER,
            *(kind for track in TRACKS for kind in track.task_kinds),
        )
    },
    module=__name__,
)


class Task(Frozen):
    kind: TaskKind
    target: str | None = None
    assignee: str | None = None
    role: Role
    since: datetime | None = None
    due_at: datetime | None = None  # from its clock (or its item's date); None: no deadline


def open_items(case: CaseFile) -> list[str]:
    """Items that closing the case would leave unfinished (closing them needs a reason)."""
    return [item for track in TRACKS for item in track.open_items(track.items.of(case))]


def track_outcomes(case: CaseFile) -> dict[str, str]:
    """One word per track the case holds, for the closing record and the figures."""
    outcomes: dict[str, str] = {}
    for need in case.needs:
        track = TRACK_OF_NEED[need]
        statuses = [str(item.status) for item in track.items.of(case)]
        success = str(track.success)
        if not statuses:
            outcomes[need.value] = "not_started"
        else:
            outcomes[need.value] = success if success in statuses else statuses[-1]
    return outcomes


def open_tasks(case: CaseFile) -> list[Task]:
    if case.stage is Stage.CLOSED:
        return []
    tasks: list[Task] = []
    if case.stage in (Stage.INTAKE, Stage.ASSESSMENT):
        assignee = case.assessor or case.owner
        tasks.append(
            Task(
                kind=TaskKind(DECIDE_ELIGIBILITY),
                assignee=assignee,
                role=Role.STAFF,
                since=case.opened_at,
                due_at=_clock_due(case, ELIGIBILITY.kind, None),
            )
        )
    if case.lawyer is None and any(TRACK_OF_NEED[need].lawyer for need in case.needs):
        tasks.append(Task(kind=TaskKind(ASSIGN_LAWYER), role=Role.SUPERVISOR, since=case.opened_at))
    for track in TRACKS:
        tasks += [
            Task(
                kind=TaskKind(task.kind),
                target=task.target,
                assignee=task.assignee,
                role=task.role,
                since=task.since,
                due_at=_clock_due(case, task.clock, task.target) if task.clock else task.due,
            )
            for task in track.tasks(case)
        ]
    return tasks


def _clock_due(case: CaseFile, kind: str, target: str | None) -> datetime | None:
    """When the open clock of ``kind`` on ``target`` falls due (None if none is running)."""
    due = [
        clock.due_at
        for clock in case.clocks
        if clock.kind == kind and clock.target == target and clock.running
    ]
    return min(due) if due else None
