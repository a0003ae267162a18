"""Drives case workflows in scenario tests the way the API does, and checks what they did.

Every ``CaseRun`` is one case workflow on the test's own task queue; the ``scenario``
fixture (see conftest.py) terminates every workflow it started when the test ends, so no
timer of one test fires while a later test skips time on the shared test server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from services.cases.model import CaseFile, Need
from services.cases.progress import Task, TaskKind
from services.cases.steps import CaseEvent, DecideEligibility, OpenCase, StartAssessment, Step
from services.job_referral.model import FollowUp, Referral
from services.kernel.actors import Actor
from tests.support import ASSESSOR, STAFF, current, eventually, intake, start_case, terminate
from workflows.case import CaseWorkflow
from workflows.case_contract import MatterSnapshot, StepRequest
from workflows.ids import case_id_from_workflow_id, case_workflow_id, legal_matter_workflow_id
from workflows.legal_matter import LegalMatterWorkflow

ANY_FIELD = object()
# Real seconds a skip of virtual time may take before a test fails instead of hanging.
SLEEP_LIMIT = 20.0
# Real seconds a step may wait for its answer (a stuck workflow fails the test, not hangs).
STEP_LIMIT = 20.0


def midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def rejection(error: WorkflowUpdateFailedError) -> dict[str, Any]:
    """The ``{"code", "field"}`` details of a rejected step, with the ``type`` of its error."""
    cause = error.cause
    assert isinstance(cause, ApplicationError), f"not an ApplicationError: {cause!r}"
    assert cause.details, "rejection carries no details"
    details = cause.details[0]
    assert isinstance(details, dict)
    assert {"code", "field"} <= set(details), details
    return {**details, "type": cause.type}


class CaseRun:
    """One case workflow and the steps a test takes on it."""

    def __init__(
        self, scenario: Scenario, case_id: str, handle: WorkflowHandle[CaseWorkflow, None]
    ) -> None:
        self.scenario = scenario
        self.id = case_id
        self.handle = handle

    async def take(self, step: Step, target: str | None = None, actor: Actor = STAFF) -> CaseFile:
        request = StepRequest(step=step, actor=actor, target=target)
        try:
            async with asyncio.timeout(STEP_LIMIT):
                await self.handle.execute_update(CaseWorkflow.apply_step, request)
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            raise AssertionError(
                f"{step.kind} got no answer in {STEP_LIMIT} s: {await self.stuck_on()}"
            ) from None
        return await current(self.handle)

    async def stuck_on(self) -> list[str]:
        """What the case workflow waits for: pending tasks and the last task failure."""
        description = await self.handle.describe()
        raw = description.raw_description
        found = [
            f"activity {a.activity_type.name} attempt={a.attempt} "
            f"last_failure={a.last_failure.message!r}"
            for a in raw.pending_activities
        ]
        if raw.HasField("pending_workflow_task"):
            task = raw.pending_workflow_task
            found.append(f"workflow task state={task.state} attempt={task.attempt}")
        events = [event async for event in self.handle.fetch_history_events()]
        for event in events:
            if event.HasField("workflow_task_failed_event_attributes"):
                failure = event.workflow_task_failed_event_attributes.failure
                found.append(f"workflow task failed: {failure.message} {failure.stack_trace}")
        found.append(f"status={description.status}")
        found += [
            f"#{e.event_id} {EventType.Name(e.event_type)} {e.event_time.ToDatetime()}"
            + (
                f" fire_in={e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()}"
                if e.HasField("timer_started_event_attributes")
                else ""
            )
            for e in events[-16:]
        ]
        return found

    async def case(self) -> CaseFile:
        case = await self.handle.query(CaseWorkflow.case)
        assert case is not None
        return case

    async def history(self) -> list[CaseEvent]:
        return await self.handle.query(CaseWorkflow.history)

    async def tasks(self) -> list[Task]:
        return await self.handle.query(CaseWorkflow.tasks)

    async def reject(
        self,
        step: Step,
        code: str,
        target: str | None = None,
        actor: Actor = STAFF,
        *,
        field: str | object | None = ANY_FIELD,
    ) -> dict[str, Any]:
        """Assert the step is rejected with ``code`` (and ``field``) and changes nothing."""
        case_before = await self.case()
        history_before = await self.history()
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await self.take(step, target=target, actor=actor)
        details = rejection(failed.value)
        assert details["code"] == code, details
        assert details["type"] == "StepRejected", details  # answered 409 by the API
        if field is not ANY_FIELD:
            assert details["field"] == field, details
        assert await self.case() == case_before
        history_after = await self.history()
        assert len(history_after) == len(history_before)
        assert history_after == history_before
        return details

    async def activate(self) -> CaseFile:
        """intake → assessment → eligibility accepted → active."""
        await self.take(StartAssessment(), actor=ASSESSOR)
        return await self.take(DecideEligibility(accepted=True), actor=ASSESSOR)

    def matter(self, matter_id: str) -> WorkflowHandle[LegalMatterWorkflow, MatterSnapshot]:
        handle = self.scenario.client.get_workflow_handle_for(
            LegalMatterWorkflow.run, legal_matter_workflow_id(self.id, matter_id)
        )
        self.scenario.children.append(handle)
        return handle

    async def matter_snapshot(
        self,
        matter_id: str,
        check: Callable[[MatterSnapshot], bool],
        *,
        what: str,
        within: float = 10.0,
    ) -> MatterSnapshot:
        """The child's ``matter`` query once it shows ``check`` (the parent syncs it late)."""
        handle = self.matter(matter_id)

        async def probe() -> MatterSnapshot | None:
            try:
                return await handle.query(LegalMatterWorkflow.matter)
            except RPCError:  # not started yet
                return None

        snapshot = await eventually(
            probe, lambda s: s is not None and check(s), what=what, within=within
        )
        assert snapshot is not None
        return snapshot

    async def follow_up_tasks(self) -> list[Task]:
        return [t for t in await self.tasks() if t.kind is TaskKind.RECORD_FOLLOW_UP]


class Scenario:
    """The test's client, task queue and clock; remembers workflows to clean up."""

    def __init__(self, env: WorkflowEnvironment, task_queue: str) -> None:
        self.env = env
        self.client: Client = env.client
        self.task_queue = task_queue
        self.runs: list[CaseRun] = []
        self.children: list[WorkflowHandle[Any, Any]] = []

    async def open(self, step: OpenCase | None = None, actor: Actor = STAFF) -> CaseRun:
        handle = await start_case(self.client, self.task_queue)
        case_id = case_id_from_workflow_id(handle.id)
        assert case_id is not None
        run = CaseRun(self, case_id, handle)
        self.runs.append(run)
        await run.take(step or intake(), actor=actor)
        return run

    async def open_active(self, *needs: Need) -> CaseRun:
        run = await self.open(intake(*needs))
        await run.activate()
        return run

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def sleep_until(self, when: datetime) -> None:
        """Skip virtual time forward to ``when``."""
        now = await self.now()
        assert when > now, f"{when} is not in the future of {now}"
        await self.sleep(when - now)

    async def sleep(self, duration: timedelta) -> None:
        """Skip virtual time forward by ``duration`` (the server fires every timer on the way)."""
        try:
            async with asyncio.timeout(SLEEP_LIMIT):
                await self.env.sleep(duration)
        except TimeoutError:
            raise AssertionError(
                f"skipping {duration} took over {SLEEP_LIMIT} s of real time; "
                f"what the cases wait for: {await self._pending()}"
            ) from None

    async def _pending(self) -> dict[str, list[str]]:
        return {run.handle.id: await run.stuck_on() for run in self.runs}

    async def cleanup(self) -> None:
        """Terminate every workflow the test started: children before their parent.

        The time-skipping test server leaks a time-skipping lock when a child reports to a
        closed parent run (temporalio/sdk-java#1540), which would hang any later sleep.
        """
        for run in self.runs:
            children = {child.id: child for child in self.children}
            try:
                case = await run.case()
            except RPCError:
                case = None
            for matter in case.legal_matters if case else []:
                child_id = legal_matter_workflow_id(run.id, matter.id)
                children.setdefault(child_id, self.client.get_workflow_handle(child_id))
            for child_id, child in children.items():
                if child_id.startswith(case_workflow_id(run.id) + "/"):
                    await terminate(child)
            await terminate(run.handle)


async def completed(handle: WorkflowHandle[Any, Any]) -> None:
    """Wait (real time) until the workflow has completed."""

    async def status() -> WorkflowExecutionStatus | None:
        return (await handle.describe()).status

    await eventually(
        status, lambda s: s is WorkflowExecutionStatus.COMPLETED, what=f"{handle.id} to complete"
    )


def referral_of(case: CaseFile, referral_id: str) -> Referral:
    (referral,) = [r for r in case.referrals if r.id == referral_id]
    return referral


def follow_up_statuses(case: CaseFile, referral_id: str) -> dict[int, str]:
    return {f.day: f.status.value for f in referral_of(case, referral_id).follow_ups}


def follow_up_of(case: CaseFile, referral_id: str, day: int) -> FollowUp:
    (follow_up,) = [f for f in referral_of(case, referral_id).follow_ups if f.day == day]
    return follow_up
