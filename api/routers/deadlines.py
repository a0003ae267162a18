"""Deadlines: a case's clocks, pausing and resuming them, and breaches across cases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.policy import CaseInReach, SignedIn
from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import StepDep
from services.cases import queries
from services.cases.model import CaseFile
from services.cases.steps import PauseClock, ResumeClock
from services.deadlines import queries as deadline_queries
from services.deadlines.policy import LADDER, ClockKind
from services.kernel.values import LongText, Reason, SearchText

router = APIRouter(tags=["deadlines"], responses=PROBLEMS)
# Who a breach has reached: the clock's assignee, a supervisor, the centre head.
RUNG_PATTERN = "^(" + "|".join(rung for rung, _ in LADDER) + ")$"


class ClockRef(BaseModel):
    clock_id: Annotated[str, Field(min_length=1, max_length=80, examples=["eligibility@1"])]
    note: LongText | None = None


class PauseRequest(ClockRef):
    reason: Reason


@router.get("/cases/{case_id}/deadlines")
async def get_deadlines(case: CaseInReach) -> deadline_queries.CaseDeadlines:
    """The case's running clocks (soonest first) and every clock it has breached."""
    # No I/O left (the policy read the case): not worth a trip to a worker thread.
    return deadline_queries.deadlines_of(queries.opened_case(case))


@router.post("/cases/{case_id}/deadlines/pause", responses=STEP_PROBLEMS)
async def pause_clock(case_id: uuid.UUID, body: PauseRequest, writer: StepDep) -> CaseFile:
    """Pause a clock with a reason (e.g. waiting on the claimant)."""
    step = PauseClock(reason=body.reason, note=body.note)
    return await writer.apply(case_id, step, target=body.clock_id)


@router.post("/cases/{case_id}/deadlines/resume", responses=STEP_PROBLEMS)
async def resume_clock(case_id: uuid.UUID, body: ClockRef, writer: StepDep) -> CaseFile:
    """Resume a paused clock: its due time moves by the time it was paused."""
    return await writer.apply(case_id, ResumeClock(note=body.note), target=body.clock_id)


@router.get("/escalations")
def list_escalations(
    session: SessionDep,
    user: SignedIn,
    centre: Annotated[SearchText | None, Query(max_length=100)] = None,
    clock: ClockKind | None = None,
    assignee: Annotated[SearchText | None, Query(max_length=100)] = None,
    include_met: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    rung: Annotated[str | None, Query(pattern=RUNG_PATTERN)] = None,
) -> list[deadline_queries.Escalation]:
    """Breached deadlines across the cases of the caller's centre, oldest first, with how
    late each is or was."""
    if centre not in (None, user.centre):
        return []
    return deadline_queries.list_escalations(
        session=session,
        now=datetime.now(UTC),
        centre=user.centre,
        kind=clock,
        assignee=assignee,
        include_met=include_met,
        limit=limit,
        rung=rung,
    )
