"""Pages of the register: the list and search, and a person's page with their cases and
visits. Read through the same services as ``/register/...`` (each read of personal data
journaled as there)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.console.errors import problem_of
from api.console.forms import idempotency_key
from api.console.pages import may, render
from api.console.routes.cases import _fragment, _query_without_cursor
from api.deps import SessionDep, SessionFactoryDep, SettingsDep, TemporalDep
from api.policy import CurrentUser, SignedIn
from api.routers import campaigns as api_campaigns
from api.routers.campaigns import NeedFound
from api.steps import StepContext
from services.campaigns.visits import visits_of_person
from services.cases.model import Need
from services.kernel.actors import Actor
from services.register import people
from services.register.cases import cases_of_person
from services.register.model import Category, Flag
from services.register.queries import PersonFilter, list_people
from services.users.model import User

router = APIRouter(prefix="/console/register", include_in_schema=False)
FILTERS = ("text", "category", "township", "flag")
PAGE_SIZE = 30
OPEN_FROM_VISIT = "/console/register/{person_id}/visits/{visit_id}/case"


@router.get("")
def register_list(
    request: Request,
    session: SessionDep,
    user: SignedIn,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> HTMLResponse:
    """The centre's register by name (characters or pinyin), category, township and flag,
    in pinyin order, a page at a time."""
    given = {key: value for key, value in request.query_params.items() if value and key in FILTERS}
    try:
        where = PersonFilter.model_validate(given)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors()) from None
    page = list_people(
        session=session, centre=user.centre, where=where, limit=PAGE_SIZE, cursor=cursor
    )
    results = _fragment(request, "person-results")
    return render(
        request,
        "partials/person_rows.html" if results else "register.html",
        user=user,
        where=where,
        page=page,
        categories=list(Category),
        flags=list(Flag),
        query=_query_without_cursor(request),
    )


@router.get("/{person_id}")
def person_page(
    request: Request,
    person_id: uuid.UUID,
    session: SessionDep,
    user: SignedIn,
    actor: CurrentUser,
) -> HTMLResponse:
    """One person: what the register holds of them, their cases and their visits."""
    return _person_page(request, person_id, session, user, actor)


def _person_page(
    request: Request,
    person_id: uuid.UUID,
    session: Session,
    user: User,
    actor: Actor,
    problem: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    person = people.read_person(
        session=session, person_id=str(person_id), centre=user.centre, reader=actor
    )
    cases = cases_of_person(session=session, person_id=person.id, centre=user.centre, reader=actor)
    visits = visits_of_person(
        session=session, person_id=person.id, centre=user.centre, reader=actor
    )
    session.commit()  # the journal of these reads
    return render(
        request,
        "person.html",
        user=user,
        here="/console/register",
        person=person,
        cases=cases,
        visits=visits,
        may_open_cases=may(user, "GET", "/console/cases/{case_id}"),
        may_open_from_visit=may(user, "POST", OPEN_FROM_VISIT),
        needs=list(Need),
        problem=problem,
        status_code=status_code,
    )


@router.post("/{person_id}/visits/{visit_id}/case")
async def open_case_from_visit(
    request: Request,
    person_id: uuid.UUID,
    visit_id: uuid.UUID,
    session: SessionDep,
    session_factory: SessionFactoryDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    user: SignedIn,
    actor: CurrentUser,
) -> Response:
    """A need found on the visit: the case opened through the API's own route (the
    intake from the register and the visit's findings); refusals shown on the page."""
    form = await request.form()
    posted = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    values = dict(posted)
    campaign_id = values.get("campaign_id", "")
    try:
        body = NeedFound.model_validate({"needs": [v for k, v in posted if k == "needs"]})
        writer = StepContext(
            temporal=temporal, user=actor, response=Response(), path=request.url.path,
            idempotency_key=idempotency_key(values), expected_version=None, session=session,
        )  # fmt: skip
        case = await api_campaigns.open_case_from_visit(
            uuid.UUID(campaign_id), visit_id, body, session, session_factory, settings,
            writer, user, actor,
        )  # fmt: skip
    except (ValidationError, ValueError):
        return await run_in_threadpool(
            _person_page, request, person_id, session, user, actor,
            {"code": "validation_error"}, 422,
        )  # fmt: skip
    except Exception as refused:
        problem = await problem_of(request, refused)
        if problem["status"] >= 500:
            raise
        session.rollback()
        return await run_in_threadpool(
            _person_page, request, person_id, session, user, actor, problem, problem["status"]
        )
    return RedirectResponse(f"/console/cases/{case.id}?done=intake", status_code=303)
