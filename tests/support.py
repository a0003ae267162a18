"""What the tests of every layer share: who takes steps, an intake, waiting (in real time)
for something to hold, a time-skipping test server, and driving a case workflow the way
the API does."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.converter import DataConverter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from casework.binaries import find_binary
from casework.temporal import register_search_attributes
from services.cases.model import CaseFile, Claimant, ClaimantCategory, Need
from services.cases.steps import OpenCase, Step
from services.kernel.actors import Actor, Role
from workflows.case import CaseWorkflow
from workflows.case_contract import CaseStart, StepRequest
from workflows.ids import case_workflow_id

T = TypeVar("T")

STAFF = Actor(id="staff-1", role=Role.STAFF)
ASSESSOR = Actor(id="assessor-1", role=Role.STAFF)
SUPERVISOR = Actor(id="supervisor-1", role=Role.SUPERVISOR)
LAWYER = Actor(id="lawyer-1", role=Role.LAWYER)
SYSTEM = Actor(id="system", role=Role.SYSTEM)


def intake(*needs: Need, **overrides: Any) -> OpenCase:
    """An intake of a veteran at the test centre, needing ``needs`` (job referral)."""
    fields: dict[str, Any] = {
        "claimant": Claimant(name="Li Wei", category=ClaimantCategory.VETERAN),
        "needs": list(needs) or [Need.JOB_REFERRAL],
        "centre": "test-centre",
    }
    fields.update(overrides)
    return OpenCase(**fields)


async def eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    *,
    what: str,
    within: float = 15.0,
) -> T:
    """Poll ``probe`` (real time; a test server's virtual time stays locked) until
    ``check`` holds for its value; fail naming ``what`` and the last value seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if check(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.05)


async def stays(
    probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], *, what: str, for_: float = 0.3
) -> T:
    """Assert ``check`` holds on every poll for ``for_`` seconds of real time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + for_
    while True:
        value = await probe()
        assert check(value), f"{what} no longer holds: {value!r}"
        if loop.time() > deadline:
            return value
        await asyncio.sleep(0.05)


def as_probe(function: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    """A synchronous read (e.g. of the read model) as a probe for ``eventually``."""

    async def probe() -> T:
        return function()

    return probe


@asynccontextmanager
async def time_skipping_server(data_converter: DataConverter) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server (it starts in well under a second) with the case search
    attributes registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter,
    )
    try:
        await register_search_attributes(env.client, env.client.namespace)
        yield env
    finally:
        await env.shutdown()


async def start_case(client: Client, task_queue: str) -> WorkflowHandle[CaseWorkflow, None]:
    """A new case's workflow, started as the API starts one (its first step to come)."""
    case_id = str(uuid.uuid4())
    return await client.start_workflow(
        CaseWorkflow.run,
        CaseStart(case_id=case_id),
        id=case_workflow_id(case_id),
        task_queue=task_queue,
    )


async def open_case(
    client: Client, task_queue: str, step: OpenCase | None = None, actor: Actor = STAFF
) -> tuple[WorkflowHandle[CaseWorkflow, None], CaseFile]:
    handle = await start_case(client, task_queue)
    await handle.execute_update(
        CaseWorkflow.apply_step, StepRequest(step=step or intake(), actor=actor)
    )
    return handle, await current(handle)


async def take(
    handle: WorkflowHandle[CaseWorkflow, None],
    step: Step,
    target: str | None = None,
    actor: Actor = STAFF,
) -> CaseFile:
    await handle.execute_update(
        CaseWorkflow.apply_step, StepRequest(step=step, actor=actor, target=target)
    )
    return await current(handle)


async def terminate(handle: WorkflowHandle[Any, Any]) -> None:
    """End a workflow the test started, if it still runs (no timer of it fires later)."""
    try:
        description = await handle.describe()
        if description.status is WorkflowExecutionStatus.RUNNING:
            await handle.terminate(reason="test finished")
    except RPCError:
        pass


async def current(handle: WorkflowHandle[CaseWorkflow, None]) -> CaseFile:
    """The case as its workflow holds it (an update answers with the step's seq only)."""
    case = await handle.query(CaseWorkflow.case)
    assert case is not None
    return case
