"""Helpers of the deadline tests: synthetic calendars, local days, and a case world that
drives case workflows on a worker of its own and reads what their clocks did."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from services.cases.model import CaseFile
from services.cases.steps import CaseEvent, OpenCase, Step
from services.deadlines.clocks import Clock
from services.kernel.actors import Actor
from tests.support import STAFF, current, eventually, intake, start_case, stays, terminate
from workflows.case import CaseWorkflow
from workflows.case_contract import StepRequest
from workflows.ids import legal_matter_workflow_id

Handle = WorkflowHandle[CaseWorkflow, None]

OFFSET_MINUTES = 480
LOCAL = timezone(timedelta(minutes=OFFSET_MINUTES))  # the centre's UTC+8
SECOND = timedelta(seconds=1)
# Virtual time runs on at real speed between skips: a look meant to land before a due time
# is taken this long before it, so that a loaded machine (three test processes on two
# cores) still looks in time.
LOOK_AHEAD = timedelta(seconds=30)
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


# --- calendars -------------------------------------------------------------------------


def write_calendar(
    directory: Path,
    year: int,
    *,
    holidays: Iterable[date] = (),
    workdays: Iterable[date] = (),
) -> str:
    """A synthetic YYYY.json (weekends off unless listed); returns its version label."""
    version = f"synthetic-{year}-{uuid.uuid4().hex[:6]}"
    document = {
        "year": year,
        "version": version,
        "holidays": {day.isoformat(): "Synthetic holiday" for day in sorted(holidays)},
        "workdays": [day.isoformat() for day in sorted(workdays)],
    }
    (directory / f"{year}.json").write_text(json.dumps(document))
    return version


def write_calendars(
    directory: Path,
    years: Iterable[int],
    *,
    holidays: Iterable[date] = (),
    workdays: Iterable[date] = (),
) -> dict[int, str]:
    """One synthetic file per year; each special day goes into its own year's file."""
    holidays, workdays = list(holidays), list(workdays)
    wanted = set(years) | {day.year for day in (*holidays, *workdays)}
    return {
        year: write_calendar(
            directory,
            year,
            holidays=[day for day in holidays if day.year == year],
            workdays=[day for day in workdays if day.year == year],
        )
        for year in sorted(wanted)
    }


# --- time ------------------------------------------------------------------------------


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL)


def next_local_weekday(now: datetime, weekday: int, hour: int = 10) -> datetime:
    """``hour`` o'clock local on the first ``weekday`` at least one local day after now."""
    day = local(now).date() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), LOCAL)


def on_local_day(day: date, of: datetime) -> datetime:
    """The same local time as ``of`` on local ``day``."""
    return datetime.combine(day, local(of).timetz())


def working_days_after(
    start: datetime, days: int, *, holidays: set[date], workdays: set[date]
) -> datetime:
    """An independent reckoning of the N-th working day after the start's local day."""
    day = local(start).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        off = (day.weekday() >= SATURDAY and day not in workdays) or day in holidays
        counted += 0 if off else 1
    return on_local_day(day, start).astimezone(UTC)


# --- alarms in a history ---------------------------------------------------------------


def alarms_of(history: list[CaseEvent], clock_id: str) -> list[CaseEvent]:
    return [e for e in history if e.step.kind == "clock_alarm" and e.target == clock_id]


def breach_alarms(history: list[CaseEvent], clock_id: str) -> list[CaseEvent]:
    """Alarms that left the clock breached (level 1 or more): the breach and escalations."""
    return [e for e in alarms_of(history, clock_id) if e.clocks[0].level >= 1]


def warnings_of(history: list[CaseEvent], clock_id: str) -> list[CaseEvent]:
    """Alarms that left the clock on time (level 0): due-soon warnings."""
    return [e for e in alarms_of(history, clock_id) if e.clocks[0].level == 0]


def rejection_code(error: WorkflowUpdateFailedError) -> str:
    cause = error.cause
    assert isinstance(cause, ApplicationError), f"not an ApplicationError: {cause!r}"
    details = cause.details[0]
    assert isinstance(details, dict)
    return str(details["code"])


# --- the world of one test -------------------------------------------------------------


class CaseWorld:
    """A test's time-skipping server, task queue, read model and calendar folder."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        task_queue: str,
        session_factory: sessionmaker[Session],
        calendar_dir: Path,
    ) -> None:
        self.env = env
        self.client = env.client
        self.task_queue = task_queue
        self.session_factory = session_factory
        self.calendar_dir = calendar_dir
        self.handles: list[Handle] = []

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def sleep_until(self, moment: datetime) -> None:
        now = await self.now()
        assert moment > now, f"the scenario went back in time: {moment} <= {now}"
        await self.env.sleep(moment - now)

    async def open(self, step: OpenCase | None = None, actor: Actor = STAFF) -> Handle:
        handle = await start_case(self.client, self.task_queue)
        self.handles.append(handle)
        await self.take(handle, step or intake())
        return handle

    async def take(
        self, handle: Handle, step: Step, target: str | None = None, actor: Actor = STAFF
    ) -> CaseFile:
        await handle.execute_update(
            CaseWorkflow.apply_step, StepRequest(step=step, actor=actor, target=target)
        )
        return await current(handle)

    async def history(self, handle: Handle) -> list[CaseEvent]:
        return await handle.query(CaseWorkflow.history)

    async def clocks(self, handle: Handle) -> dict[str, Clock]:
        return {clock.id: clock for clock in (await current(handle)).clocks}

    async def clock(self, handle: Handle, clock_id: str) -> Clock:
        clocks = await self.clocks(handle)
        assert clock_id in clocks, f"no clock {clock_id} in {sorted(clocks)}"
        return clocks[clock_id]

    async def clock_of_kind(self, handle: Handle, kind: str) -> Clock:
        (clock,) = [c for c in (await self.clocks(handle)).values() if c.kind.value == kind]
        return clock

    async def cleanup(self) -> None:
        """Terminate every case (its legal matters first) so no timer of this test fires
        while a later test skips time."""
        for handle in self.handles:
            try:
                case = await handle.query(CaseWorkflow.case)
            except RPCError:
                case = None
            matters = case.legal_matters if case else []
            for matter in matters:
                await terminate(
                    self.client.get_workflow_handle(
                        legal_matter_workflow_id(case.id, matter.id)  # type: ignore[union-attr]
                    )
                )
            await terminate(handle)


async def assert_breaches_at_due(
    world: CaseWorld, handle: Handle, clock_id: str, *, warn_hours: int = 0
) -> CaseEvent:
    """Skip to shortly before the clock's due time (no breach, level 0; its warning, if
    any, sounded once at level 0), then to one second after it (exactly one breach, level
    1). Returns the breach alarm."""
    clock = await world.clock(handle, clock_id)
    await world.sleep_until(clock.due_at - LOOK_AHEAD)
    history = await world.history(handle)
    before = await world.clock(handle, clock_id)
    looked_by = await world.now()
    early = [e for e in breach_alarms(history, clock_id) if e.at < clock.due_at]
    assert early == [], f"{clock_id} breached before it was due"
    assert looked_by < clock.due_at, "too slow: the look before due came after it"
    assert breach_alarms(history, clock_id) == []
    assert (before.level, before.due_at) == (0, clock.due_at)
    if warn_hours:
        history = await eventually(
            lambda: world.history(handle),
            lambda h: len(warnings_of(h, clock_id)) == 1,
            what=f"the {warn_hours} h warning of {clock_id}",
        )
        (warning,) = warnings_of(history, clock_id)
        warn_at = clock.due_at - timedelta(hours=warn_hours)
        assert warn_at <= warning.at < warn_at + SECOND
        assert warning.clocks[0].warned and warning.clocks[0].level == 0

    await world.sleep_until(clock.due_at + SECOND)
    await eventually(
        lambda: world.history(handle),
        lambda h: len(breach_alarms(h, clock_id)) >= 1,
        what=f"the breach of {clock_id}",
    )
    history = await stays(
        lambda: world.history(handle),
        lambda h: len(breach_alarms(h, clock_id)) == 1,
        what=f"one breach of {clock_id}",
    )
    (breach,) = breach_alarms(history, clock_id)
    assert breach.clocks[0].level == 1
    assert breach.clocks[0].rung == "assignee"
    assert clock.due_at <= breach.at < clock.due_at + SECOND
    assert len(warnings_of(history, clock_id)) == (1 if warn_hours else 0)
    after = await eventually(
        lambda: world.clock(handle, clock_id),
        lambda c: c.level == 1,
        what=f"{clock_id} at level 1 in the case's clocks",
    )
    assert after.satisfied_at is None and after.next_escalation_at is not None
    return breach
