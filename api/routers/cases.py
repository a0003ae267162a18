"""Cases: intake, reading, listing and the steps taken on them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep
from api.problems import Problem
from services.cases import queries
from services.cases.errors import CaseNotFound
from services.cases.model import CaseFile
from services.cases.steps import CloseCase, OpenCase, Step
from workflows.case_contract import APPLY_STEP, CASE_WORKFLOW, CaseStart, StepRequest
from workflows.ids import case_workflow_id

router = APIRouter(prefix="/cases", tags=["cases"])
PROBLEMS = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (404, 409, 422, 503)
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=PROBLEMS)
async def open_case(
    intake: OpenCase,
    response: Response,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> CaseFile:
    """Open a case: starts its workflow and returns the case once it is recorded."""
    case_id = str(uuid.uuid4())
    step = intake.model_copy(update={"centre": intake.centre or settings.centre_id})
    start = WithStartWorkflowOperation(
        CASE_WORKFLOW,
        CaseStart(case_id=case_id),
        id=case_workflow_id(case_id),
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        task_queue=settings.temporal_task_queue,
    )
    case = await temporal.execute_update_with_start_workflow(
        APPLY_STEP,
        StepRequest(step=step, actor=user),
        start_workflow_operation=start,
        result_type=CaseFile,
    )
    response.headers["Location"] = f"/cases/{case_id}"
    return case


@router.get("", responses=PROBLEMS)
def list_cases(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> queries.CasePage:
    """Cases, newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    return queries.list_cases(session=session, limit=limit, cursor=cursor)


@router.get("/{case_id}", responses=PROBLEMS)
def get_case(case_id: uuid.UUID, session: SessionDep) -> CaseFile:
    """One case as the read model holds it."""
    case = queries.get_case(session=session, case_id=str(case_id))
    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    return case


@router.post("/{case_id}/close", responses=PROBLEMS)
async def close_case(
    case_id: uuid.UUID, body: CloseCase, temporal: TemporalDep, user: CurrentUser
) -> CaseFile:
    """Close a case with an outcome and a reason."""
    return await apply_step(temporal, case_id, body, user)


async def apply_step(
    temporal: TemporalDep, case_id: uuid.UUID, step: Step, user: CurrentUser
) -> CaseFile:
    handle = temporal.get_workflow_handle(case_workflow_id(str(case_id)))
    return await handle.execute_update(
        APPLY_STEP, StepRequest(step=step, actor=user), result_type=CaseFile
    )
