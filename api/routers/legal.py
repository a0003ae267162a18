"""Legal aid: infringements recorded as legal matters, referred to departments until resolved."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.concurrency import run_in_threadpool
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, TemporalDep
from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import StepDep
from services.cases import queries
from services.cases.model import CaseFile
from services.kernel.errors import CaseNotFound, NotFound
from services.legal_aid.model import (
    AcknowledgeMatter,
    CloseMatterWithoutRemedy,
    RecordInfringement,
    ReferMatter,
    ResolveMatter,
)
from workflows.case_contract import MatterSnapshot
from workflows.ids import legal_matter_workflow_id

router = APIRouter(prefix="/cases/{case_id}/legal-matters", tags=["legal aid"], responses=PROBLEMS)
CaseId = uuid.UUID
MatterId = Annotated[str, Path(pattern=r"^M[0-9]{1,9}$", examples=["M4"])]


@router.post("", status_code=status.HTTP_201_CREATED, responses=STEP_PROBLEMS)
async def record_infringement(
    case_id: CaseId,
    body: RecordInfringement,
    writer: StepDep,
) -> CaseFile:
    """Record an infringement of rights as a new legal matter (a priority, at any stage)."""
    return await writer.apply(case_id, body, created="legal-matters/M")


@router.get("/{matter_id}")
async def get_matter(
    case_id: CaseId, matter_id: MatterId, temporal: TemporalDep, session: SessionDep
) -> MatterSnapshot:
    """The legal matter as its own workflow holds it."""
    handle = temporal.get_workflow_handle(legal_matter_workflow_id(str(case_id), matter_id))
    try:
        return await handle.query("matter", result_type=MatterSnapshot)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        if await run_in_threadpool(queries.get_case, session=session, case_id=str(case_id)) is None:
            raise CaseNotFound(f"no case {case_id}") from None
        raise NotFound(
            f"case {case_id} has no legal matter {matter_id}",
            code="unknown_matter",
            field="matter_id",
        ) from None


@router.post("/{matter_id}/referrals", responses=STEP_PROBLEMS)
async def refer_matter(
    case_id: CaseId,
    matter_id: MatterId,
    body: ReferMatter,
    writer: StepDep,
) -> CaseFile:
    """Report the matter to the labour or justice department (channel, reference, time)."""
    return await writer.apply(case_id, body, target=matter_id)


@router.post("/{matter_id}/acknowledgements", responses=STEP_PROBLEMS)
async def acknowledge_matter(
    case_id: CaseId,
    matter_id: MatterId,
    body: AcknowledgeMatter,
    writer: StepDep,
) -> CaseFile:
    """A department acknowledged the referral."""
    return await writer.apply(case_id, body, target=matter_id)


@router.post("/{matter_id}/resolution", responses=STEP_PROBLEMS)
async def resolve_matter(
    case_id: CaseId,
    matter_id: MatterId,
    body: ResolveMatter,
    writer: StepDep,
) -> CaseFile:
    """The matter was resolved, with its outcome."""
    return await writer.apply(case_id, body, target=matter_id)


@router.post("/{matter_id}/closure", responses=STEP_PROBLEMS)
async def close_matter(
    case_id: CaseId,
    matter_id: MatterId,
    body: CloseMatterWithoutRemedy,
    writer: StepDep,
) -> CaseFile:
    """Close the matter without remedy, with the reason."""
    return await writer.apply(case_id, body, target=matter_id)
