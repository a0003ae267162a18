"""Overdue work for supervisors: every breached deadline of the centre, oldest first, with
the rung it reached, its clock, who owns it and the case; filtered by clock, rung, owner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from api.console.labels import RUNGS
from api.console.pages import render
from api.deps import SessionDep
from api.policy import SignedIn
from api.routers.deadlines import RUNG_PATTERN
from services.cases import queries
from services.deadlines import queries as deadline_queries
from services.deadlines.policy import ClockKind

router = APIRouter(prefix="/console", include_in_schema=False)
SHOWN = 200


class EscalationFilter(BaseModel):
    clock: ClockKind | None = None
    rung: Annotated[str | None, Field(pattern=RUNG_PATTERN)] = None
    owner: Annotated[str | None, Field(max_length=100)] = None
    still_open: bool = False


@router.get("/escalations")
def escalations(request: Request, session: SessionDep, user: SignedIn) -> HTMLResponse:
    """Breached deadlines of the centre's cases, oldest first (as ``GET /escalations``)."""
    # A filter form sends its empty fields too: they mean "any".
    given = {key: value for key, value in request.query_params.items() if value}
    try:
        where = EscalationFilter.model_validate(given)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors()) from None
    rows = deadline_queries.list_escalations(
        session=session,
        now=datetime.now(UTC),
        centre=user.centre,
        kind=where.clock,
        assignee=where.owner,
        include_met=not where.still_open,
        rung=where.rung,
        limit=SHOWN,
    )
    ids = list(dict.fromkeys(row.case_id for row in rows))
    cases = {
        summary.id: summary
        for summary in queries.case_summaries(session=session, case_ids=ids, centre=user.centre)
    }
    return render(
        request,
        "escalations.html",
        user=user,
        rows=rows,
        cases=cases,
        where=where,
        clocks=list(ClockKind),
        rungs=RUNGS,
        shown=SHOWN,
    )
