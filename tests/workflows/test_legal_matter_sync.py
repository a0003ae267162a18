"""The case hands every new state of a legal matter to the matter's child workflow, even when
a step lands while the case is still starting (or signalling) that child.

To land a step in that window deterministically, these tests run a copy of the case worker
whose workflow tasks can be held back: one workflow-task slot at a time (no sticky cache,
so every task is polled from the task queue), and a gate that shuts itself in the very
workflow task that starts or signals a child. The step sent while the gate is shut then
reaches the case in the same activation as the news that the child call went through.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    CustomSlotSupplier,
    FixedSizeSlotSupplier,
    Interceptor,
    SignalExternalWorkflowInput,
    SlotMarkUsedContext,
    SlotPermit,
    SlotReleaseContext,
    SlotReserveContext,
    StartChildWorkflowInput,
    UnsandboxedWorkflowRunner,
    Worker,
    WorkerTuner,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from services.cases.model import Need
from services.cases.steps import AssignLawyer
from services.legal_aid.model import (
    Channel,
    Department,
    MatterStatus,
    RecordInfringement,
    ReferMatter,
)
from tests.support import LAWYER, SUPERVISOR, eventually, intake
from tests.workflows.support import Scenario

INFRINGEMENT = RecordInfringement(infringement="Wages withheld", infringer="Acme Textiles")


class Gate(CustomSlotSupplier):
    """Workflow-task slots, one at a time, none handed out while the gate is shut."""

    def __init__(self) -> None:
        self._free = asyncio.Semaphore(1)
        self.shut = threading.Event()  # set from the workflow's thread
        self._opened = asyncio.Event()
        self._armed: str | None = None

    def arm(self, call: str) -> None:
        """Shut the gate in the next (new, not replayed) workflow task that makes ``call``."""
        self._armed = call

    def saw(self, call: str) -> None:
        if self._armed == call and not workflow.unsafe.is_replaying():
            self._armed = None
            self.shut.set()

    def open(self) -> None:
        self.shut.clear()
        self._opened.set()

    async def reserve_slot(self, ctx: SlotReserveContext) -> SlotPermit:
        await self._free.acquire()
        try:
            if self.shut.is_set():
                self._opened.clear()
                await self._opened.wait()
        except asyncio.CancelledError:
            self._free.release()
            raise
        return SlotPermit()

    def try_reserve_slot(self, ctx: SlotReserveContext) -> SlotPermit | None:
        return None

    def mark_slot_used(self, ctx: SlotMarkUsedContext) -> None:
        pass

    def release_slot(self, ctx: SlotReleaseContext) -> None:
        self._free.release()


class GateInterceptor(Interceptor):
    """Tells the gate when a workflow starts or signals a child."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        gate = self._gate

        class Outbound(WorkflowOutboundInterceptor):
            def start_child_workflow(self, input: StartChildWorkflowInput) -> Any:
                gate.saw("start_child")
                return super().start_child_workflow(input)

            async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
                gate.saw("signal")
                await super().signal_external_workflow(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

        return Inbound


@dataclass
class GatedCases:
    scenario: Scenario
    gate: Gate

    async def shut(self) -> None:
        await eventually(
            lambda: _now(self.gate.shut.is_set()), bool, what="the gate to shut", within=5
        )


async def _now(value: bool) -> bool:
    return value


@pytest.fixture
async def gated(
    workflow_env: WorkflowEnvironment, case_worker: Worker
) -> AsyncIterator[GatedCases]:
    """A copy of the test's case worker, on its own task queue, behind a gate."""
    gate = Gate()
    config = case_worker.config()
    task_queue = f"test-gated-{uuid.uuid4()}"
    config["task_queue"] = task_queue
    config["interceptors"] = [*config.get("interceptors", []), GateInterceptor(gate)]
    config["workflow_runner"] = UnsandboxedWorkflowRunner()
    config["max_cached_workflows"] = 0
    config["tuner"] = WorkerTuner.create_composite(
        workflow_supplier=gate,
        activity_supplier=FixedSizeSlotSupplier(4),
        local_activity_supplier=FixedSizeSlotSupplier(2),
        nexus_supplier=FixedSizeSlotSupplier(1),
    )
    async with Worker(**config):
        scenario = Scenario(workflow_env, task_queue)
        yield GatedCases(scenario, gate)
        gate.open()
        await scenario.cleanup()


async def test_lawyer_assigned_while_the_child_is_starting_reaches_the_child(
    gated: GatedCases,
) -> None:
    run = await gated.scenario.open(intake(Need.LEGAL_AID))
    gated.gate.arm("start_child")
    record = asyncio.ensure_future(run.take(INFRINGEMENT))
    await gated.shut()
    # The case has asked for the child to start; it hears back only once the gate opens.
    assign = asyncio.ensure_future(run.take(AssignLawyer(lawyer="lawyer-7"), actor=SUPERVISOR))
    await asyncio.sleep(0.5)  # real time: let the server take the update in
    assert not assign.done()
    gated.gate.open()
    matter_id = (await record).legal_matters[0].id
    assigned = await assign
    assert assigned.lawyer == "lawyer-7"

    snapshot = await run.matter_snapshot(
        matter_id, lambda s: s.lawyer == "lawyer-7", what="child sees the lawyer", within=3.0
    )
    assert snapshot.seq == assigned.version
    assert snapshot.matter == assigned.legal_matters[0]


async def test_step_recorded_while_the_child_is_signalled_reaches_the_child(
    gated: GatedCases,
) -> None:
    run = await gated.scenario.open(intake(Need.LEGAL_AID))
    matter_id = (await run.take(INFRINGEMENT)).legal_matters[0].id
    await run.matter_snapshot(matter_id, lambda s: True, what="child started")
    gated.gate.arm("signal")
    assign = asyncio.ensure_future(run.take(AssignLawyer(lawyer="lawyer-7"), actor=SUPERVISOR))
    await gated.shut()
    # The case is signalling the child; refer the matter before it hears back.
    referral = ReferMatter(department=Department.LABOUR, channel=Channel.PHONE)
    refer = asyncio.ensure_future(run.take(referral, matter_id, LAWYER))
    await asyncio.sleep(0.5)  # real time: let the server take the update in
    assert not refer.done()
    gated.gate.open()
    await assign
    referred = await refer

    snapshot = await run.matter_snapshot(
        matter_id,
        lambda s: s.matter.status is MatterStatus.REFERRED,
        what="child sees the referral",
        within=3.0,
    )
    assert snapshot.lawyer == "lawyer-7"
    assert snapshot.seq == referred.version
    assert snapshot.matter == referred.legal_matters[0]
