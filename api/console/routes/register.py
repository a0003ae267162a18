"""Pages of the register: the list and search, and a person's page with their cases and
visits. Read through the same services as ``/register/...`` (each read of personal data
journaled as there)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.console.pages import may, render
from api.console.routes.cases import _fragment, _query_without_cursor
from api.deps import SessionDep
from api.policy import CurrentUser, SignedIn
from services.campaigns.visits import visits_of_person
from services.register import people
from services.register.cases import cases_of_person
from services.register.model import Category, Flag
from services.register.queries import PersonFilter, list_people

router = APIRouter(prefix="/console/register", include_in_schema=False)
FILTERS = ("text", "category", "township", "flag")
PAGE_SIZE = 30


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
    )
