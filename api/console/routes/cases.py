"""Pages of cases: my tasks, the case list and search, one case, its intake receipt."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.console.catalog import form_named
from api.console.labels import message_of
from api.console.pages import may, may_take, render
from api.console.reads import case_offers, clocks, log_listed, read_case, timeline
from api.deps import SessionDep, SettingsDep
from api.policy import CaseInReach, SignedIn
from services.cases import queries
from services.cases.lifecycle import Stage
from services.cases.model import ClaimantCategory, Need
from services.cases.search import search_key
from services.cases.views import case_for
from services.kernel.actors import Role
from services.users.policy import lawyer_scope, visible_cases

router = APIRouter(prefix="/console", include_in_schema=False)
FILTERS = ("text", "stage", "category", "need", "lawyer", "owner", "intake_by")
PAGE_SIZE = 20
TASKS_SHOWN = 50


@router.get("/")
def my_tasks(request: Request, session: SessionDep, user: SignedIn) -> HTMLResponse:
    """The work waiting on me, soonest due first, with the case it belongs to."""
    if user.role is Role.ADMIN:
        tasks: list[queries.Task] = []
    else:
        # A supervisor's work waits on the role (a lawyer to assign), anyone else's on them.
        supervisor = user.role is Role.SUPERVISOR
        tasks = queries.list_tasks(
            session=session,
            where=queries.TaskFilter(
                assignee=None if supervisor else user.username,
                role=Role.SUPERVISOR if supervisor else None,
            ),
            limit=TASKS_SHOWN,
            centre=user.centre,
            lawyer=lawyer_scope(user),
        )
    cases = {}
    for task in tasks:
        if task.case_id not in cases:
            found = queries.get_case(session=session, case_id=task.case_id)
            cases[task.case_id] = case_for(user.role, found) if found else None
    log_listed(session, user, [case_id for case_id, case in cases.items() if case])
    return render(request, "home.html", user=user, tasks=tasks, cases=cases)


@router.get("/cases")
def case_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """Cases by name (characters, pinyin, initials), stage, category, need and lawyer,
    newest first, a page at a time."""
    # A search form sends its empty fields too: they mean "any".
    given = {key: value for key, value in request.query_params.items() if value and key in FILTERS}
    try:
        where = queries.CaseFilter.model_validate(given)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors()) from None
    visible = visible_cases(user, where)
    page = (
        queries.list_cases(
            session=session,
            limit=PAGE_SIZE,
            cursor=cursor,
            where=visible,
            search_key=search_key(settings.identity_key()) if where.text else None,
        )
        if visible is not None
        else queries.CasePage(items=[], next_cursor=None)
    )
    log_listed(session, user, [item.id for item in page.items])
    template = "partials/case_rows.html" if _fragment(request, "case-results") else "cases.html"
    return render(
        request,
        template,
        user=user,
        where=where,
        page=page,
        stages=list(Stage),
        categories=list(ClaimantCategory),
        needs=list(Need),
        query=_query_without_cursor(request),
        may_export=may(user, "GET", "/console/exports/cases.xlsx"),
    )


def _fragment(request: Request, target: str) -> bool:
    return request.headers.get("HX-Target") == target and "HX-Boosted" not in request.headers


def _query_without_cursor(request: Request) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor" and v]
    return urlencode(pairs)


@router.get("/cases/{case_id}")
async def case_page(
    request: Request,
    stored: CaseInReach,
    session: SessionDep,
    user: SignedIn,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """One case: its header, each kind of help with its items and the steps allowed now,
    its clocks and its timeline."""
    case = await run_in_threadpool(read_case, session, user, stored, "console_case")
    entries = await run_in_threadpool(timeline, session, user, case.id)
    whole, tracks = case_offers(case, user, lambda form: may_take(user, form))
    return render(
        request,
        "case.html",
        user=user,
        case=case,
        whole=whole,
        tracks=tracks,
        deadlines=clocks(case),
        timeline=entries,
        done=_done_label(done),
        may_receipt=may(user, "GET", "/console/cases/{case_id}/receipt"),
        may_audit=may(user, "GET", "/console/cases/{case_id}/audit"),
    )


def _done_label(done: str | None) -> str | None:
    """The name of the step just recorded (the page says so), if it is one."""
    if done == "intake":
        return message_of("case_opened")
    form = form_named(done) if done else None
    return form.label if form else None


@router.get("/cases/{case_id}/receipt")
async def receipt(
    request: Request, stored: CaseInReach, session: SessionDep, user: SignedIn
) -> HTMLResponse:
    """The intake receipt handed to the claimant, for printing."""
    case = await run_in_threadpool(read_case, session, user, stored, "console_receipt")
    return render(request, "receipt.html", user=user, case=case)
