"""Helpers that drive a case workflow in tests the way the API does."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio.client import Client, WorkflowHandle

from services.cases.model import CaseFile, Claimant, ClaimantCategory, Need
from services.cases.steps import OpenCase, Step
from services.kernel.actors import Actor, Role
from workflows.case import CaseWorkflow
from workflows.case_contract import CaseStart, StepRequest
from workflows.ids import case_workflow_id

STAFF = Actor(id="staff-1", role=Role.STAFF)


def intake(**overrides: Any) -> OpenCase:
    fields: dict[str, Any] = {
        "claimant": Claimant(name="Li Wei", category=ClaimantCategory.VETERAN),
        "needs": [Need.JOB_REFERRAL],
        "centre": "test-centre",
    }
    fields.update(overrides)
    return OpenCase(**fields)


async def open_case(
    client: Client, task_queue: str, step: OpenCase | None = None, actor: Actor = STAFF
) -> tuple[WorkflowHandle[CaseWorkflow, None], CaseFile]:
    case_id = str(uuid.uuid4())
    handle = await client.start_workflow(
        CaseWorkflow.run,
        CaseStart(case_id=case_id),
        id=case_workflow_id(case_id),
        task_queue=task_queue,
    )
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


async def current(handle: WorkflowHandle[CaseWorkflow, None]) -> CaseFile:
    """The case as its workflow holds it (an update answers with the step's seq only)."""
    case = await handle.query(CaseWorkflow.case)
    assert case is not None
    return case
