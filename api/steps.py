"""Sending a step to a case's workflow: the one path every write route takes."""

from __future__ import annotations

import uuid

from fastapi import Response
from temporalio.client import Client

from services.cases.model import Actor, CaseFile
from services.cases.steps import Step
from workflows.case_contract import APPLY_STEP, StepRequest, StepResult
from workflows.ids import case_workflow_id


async def apply_step(
    temporal: Client,
    case_id: uuid.UUID,
    step: Step,
    user: Actor,
    *,
    target: str | None = None,
    response: Response | None = None,
    created: str | None = None,
) -> CaseFile:
    """Apply ``step``; with ``created`` (a path under the case, e.g. "referrals/R"), point
    ``Location`` at the item the step made."""
    handle = temporal.get_workflow_handle(case_workflow_id(str(case_id)))
    result = await handle.execute_update(
        APPLY_STEP, StepRequest(step=step, actor=user, target=target), result_type=StepResult
    )
    if response is not None:
        response.headers["ETag"] = f'"{result.case.version}"'
        if created:
            response.headers["Location"] = f"/cases/{case_id}/{created}{result.seq}"
    return result.case
