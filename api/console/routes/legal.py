"""Lawyers' pages: my legal matters across cases, and one matter with its steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.console.pages import may_take, render
from api.console.reads import case_offers, log_listed, read_case, timeline
from api.deps import SessionDep
from api.policy import CaseInReach, SignedIn
from services.cases import queries
from services.cases.model import CaseFile, Need
from services.cases.views import case_for
from services.deadlines.clocks import Clock
from services.kernel.errors import NotFound
from services.legal_aid.model import MATTERS, NEED, LegalMatter
from services.users.model import User
from services.users.policy import visible_cases

router = APIRouter(prefix="/console", include_in_schema=False)
MatterId = Annotated[str, Path(pattern=r"^M[0-9]{1,9}$")]
CASES_SHOWN = 50


@dataclass(frozen=True)
class MatterRow:
    case: CaseFile
    matter: LegalMatter
    next_clock: Clock | None


def _next_clock(case: CaseFile, matter_id: str) -> Clock | None:
    running = [c for c in case.clocks if c.running and c.target == matter_id]
    return min(running, key=lambda clock: clock.due_at, default=None)


def _my_matters(session: Session, user: User) -> list[MatterRow]:
    where = visible_cases(user, queries.CaseFilter(need=Need(NEED)))
    if where is None:
        return []
    page = queries.list_cases(session=session, limit=CASES_SHOWN, where=where)
    rows = []
    for summary in page.items:
        case = queries.get_case(session=session, case_id=summary.id)
        if case is not None:
            case = case_for(user.role, case)
            rows += [MatterRow(case, m, _next_clock(case, m.id)) for m in MATTERS.of(case)]
    log_listed(session, user, [summary.id for summary in page.items])
    # Soonest clock first; matters without a running clock after them.
    return sorted(rows, key=lambda row: _due(row.next_clock))


def _due(clock: Clock | None) -> datetime:
    return clock.due_at if clock else datetime.max.replace(tzinfo=UTC)


@router.get("/matters")
def my_matters(request: Request, session: SessionDep, user: SignedIn) -> HTMLResponse:
    """Every legal matter of the cases assigned to me, with its status and next clock."""
    return render(request, "matters.html", user=user, rows=_my_matters(session, user))


@router.get("/cases/{case_id}/matters/{matter_id}")
async def matter_page(
    request: Request, stored: CaseInReach, session: SessionDep, user: SignedIn, matter_id: MatterId
) -> HTMLResponse:
    """One legal matter: what happened, its referrals, its clocks and the steps allowed now."""
    case = await run_in_threadpool(read_case, session, user, stored, "console_matter")
    matter = next((m for m in MATTERS.of(case) if m.id == matter_id), None)
    if matter is None:
        raise NotFound(f"case {case.id} has no legal matter {matter_id}", code="unknown_matter")
    _, tracks = case_offers(case, user, lambda form: may_take(user, form))
    offers = next((t.item_offers.get(matter_id, []) for t in tracks if t.spec.need == NEED), [])
    entries = [
        e
        for e in await run_in_threadpool(timeline, session, user, case.id)
        if e.target == matter_id
    ]
    return render(
        request,
        "matter.html",
        user=user,
        case=case,
        matter=matter,
        offers=offers,
        clocks=[c for c in case.clocks if c.target == matter_id],
        timeline=entries,
    )
