"""A legal matter as its own workflow holds it (its steps are routes of the legal aid
track, generated in api/routers/tracks.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, TemporalDep
from api.problems import PROBLEMS
from services.cases import queries
from services.kernel.errors import CaseNotFound, NotFound
from services.legal_aid.track import TRACK
from workflows import client as cases
from workflows.case_contract import MatterSnapshot

router = APIRouter(
    prefix=f"/cases/{{case_id}}/{TRACK.routes.segment}",
    tags=[TRACK.routes.tag],
    responses=PROBLEMS,
)
CaseId = uuid.UUID
MatterId = Annotated[
    str, Path(pattern=TRACK.routes.item_pattern, examples=[f"{TRACK.items.prefix}7"])
]


@router.get("/{matter_id}")
async def get_matter(
    case_id: CaseId, matter_id: MatterId, temporal: TemporalDep, session: SessionDep
) -> MatterSnapshot:
    """The legal matter as its own workflow holds it."""
    try:
        return await cases.legal_matter(temporal, str(case_id), matter_id)
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
