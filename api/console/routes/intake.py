"""Opening a case from the console: the intake form, with the duplicate warning inline."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.console.errors import problem_of
from api.console.forms import idempotency_key
from api.console.messages import field_message, problem_message
from api.console.pages import render
from api.console.restore import restores
from api.deps import SessionDep, SessionFactoryDep, SettingsDep, TemporalDep
from api.policy import SignedIn
from api.routers import cases as api_cases
from api.steps import StepContext
from services.cases import queries
from services.cases.model import ClaimantCategory, Need
from services.cases.steps import OpenCase
from services.kernel.actors import Actor
from services.users.model import User

router = APIRouter(prefix="/console/cases", include_in_schema=False)
CLAIMANT = ("name", "category", "national_id", "birth_date", "phone", "address", "situation")


@router.get("/new")
def intake_form(request: Request, user: SignedIn) -> HTMLResponse:
    """The intake form."""
    return _show(request, user, posted=[], errors={})


def _show(
    request: Request,
    user: User,
    *,
    posted: list[tuple[str, str]],
    errors: dict[str, str],
    problem: dict[str, Any] | None = None,
    duplicates: list[Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = dict(posted)
    return render(
        request,
        "intake.html",
        user=user,
        here="/console/cases/new",
        status_code=status_code,
        values=values,
        chosen_needs=[value for key, value in posted if key == "needs"],
        errors=errors,
        problem=problem,
        duplicates=duplicates or [],
        categories=list(ClaimantCategory),
        needs=list(Need),
        idempotency_key=values.get("idempotency_key") or uuid.uuid4().hex,
    )


def _intake(posted: list[tuple[str, str]]) -> OpenCase:
    values = {key: value.strip() for key, value in posted if value.strip()}
    claimant = {
        field: values[f"claimant.{field}"] for field in CLAIMANT if f"claimant.{field}" in values
    }
    body: dict[str, Any] = {
        "claimant": claimant,
        "needs": [value for key, value in posted if key == "needs"],
    }
    for field in ("summary", "township"):
        if field in values:
            body[field] = values[field]
    if values.get("confirm_new") and "confirm_reason" in values:
        body["note"] = values["confirm_reason"]
    return OpenCase.model_validate(body)


@router.post("")
async def open_case(
    request: Request,
    session: SessionDep,
    session_factory: SessionFactoryDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    user: SignedIn,
) -> Response:
    """Open the case through the API's own intake (duplicate check included); a possible
    duplicate shows the person's open cases, and the case opens anyway only with a reason."""
    form = await request.form()
    posted = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    values = dict(posted)
    confirm = bool(values.get("confirm_new"))
    try:
        if confirm and not values.get("confirm_reason", "").strip():
            return _show(
                request, user, posted=posted, status_code=422,
                errors={"confirm_reason": "Required."}, problem={"code": "reason_required"},
            )  # fmt: skip
        intake = _intake(posted)
        writer = StepContext(
            temporal=temporal,
            user=Actor(id=user.username, role=user.role),
            response=Response(),
            path=request.url.path,
            idempotency_key=idempotency_key(values),
            expected_version=None,
            session=session,
        )
        case = await api_cases.open_case(
            intake, session, session_factory, settings, writer, user, confirm_new=confirm
        )
    except ValidationError as invalid:
        errors = {_dotted(error["loc"]): field_message(error) for error in invalid.errors()}
        return _show(
            request, user, posted=posted, errors=errors, problem={"code": "validation_error"},
            status_code=422,
        )  # fmt: skip
    except Exception as refused:
        problem = await problem_of(request, refused)
        if problem["status"] >= 500:
            raise
        found = problem.get("existing_case_ids", [])
        existing = await run_in_threadpool(_cases, session, found) if found else []
        errors = {e["field"]: problem_message(problem["code"]) for e in problem["errors"]}
        return _show(
            request, user, posted=posted, errors=errors, problem=problem, duplicates=existing,
            status_code=problem["status"],
        )  # fmt: skip
    return RedirectResponse(f"/console/cases/{case.id}?done=intake", status_code=303)


def _dotted(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location if not str(part).startswith("function-"))


def _cases(session: Any, case_ids: list[str]) -> list[Any]:
    found = [queries.get_case(session=session, case_id=case_id) for case_id in case_ids]
    return [case for case in found if case is not None]


@restores("/console/cases")
async def restore_intake(
    request: Request, user: User, params: dict[str, str], values: list[tuple[str, str]]
) -> Response:
    """The intake form as it was typed, for its author once signed in again."""
    return _show(request, user, posted=values, errors={})
