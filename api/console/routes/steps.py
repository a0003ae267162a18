"""A step on a case from the console: its form (generated from the step's model), and
its submission through the API's own step path (idempotency key, If-Match, policy)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.console import forms
from api.console.catalog import StepForm, allows_now, form_named, late_now
from api.console.errors import problem_of
from api.console.i18n import Formats
from api.console.messages import field_message, problem_message
from api.console.pages import language_of, may_take, render
from api.console.reads import read_case
from api.console.restore import restores
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.policy import CaseInReach, SignedIn
from api.routers.cases import check_assignable
from api.routers.reassignments import check_owner
from api.steps import StepContext
from services.cases import queries
from services.cases.model import CaseFile
from services.cases.steps import AssignLawyer, ReassignCase
from services.kernel.actors import Actor, Role
from services.kernel.errors import CaseNotFound, NotFound
from services.users import accounts
from services.users.errors import NotAllowed
from services.users.model import User
from services.users.policy import may_see_case

router = APIRouter(prefix="/console/cases/{case_id}/steps", include_in_schema=False)
StepName = Annotated[str, Path(pattern=r"^[a-z-]{1,40}$")]
Target = Annotated[str | None, Query(pattern=r"^[A-Z][0-9]{1,9}$")]
SLOT = "step-slot"  # where htmx puts a step's form on the case page


def _form_of(request: Request, user: User, name: str) -> StepForm:
    form = form_named(name)
    if form is None:
        raise NotFound(f"no step {name}", field="step")
    if not may_take(user, form):
        raise NotAllowed(f"the {user.role} role may not take this step")
    return form


@router.get("/{step}")
async def step_form(
    request: Request,
    stored: CaseInReach,
    session: SessionDep,
    user: SignedIn,
    step: StepName,
    target: Target = None,
) -> HTMLResponse:
    """The form of one step (alone when asked by htmx, else on a page of its own)."""
    form = _form_of(request, user, step)
    case = await run_in_threadpool(read_case, session, user, stored, "console_step_form")
    return await _show(request, session, user, case, form, target, posted={}, errors={})


async def _show(
    request: Request,
    session: Session,
    user: User,
    case: CaseFile,
    form: StepForm,
    target: str | None,
    *,
    posted: dict[str, str],
    errors: dict[str, str],
    problem: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    inputs = forms.fill(
        forms.inputs_of(form.model, late=late_now(case, form, target)), posted, errors
    )
    # Who may be chosen: the centre's active lawyers, or its active staff but the owner.
    choose = {AssignLawyer: ("lawyer", Role.LAWYER), ReassignCase: ("owner", Role.STAFF)}
    if form.model in choose:
        field, role = choose[form.model]
        people = await run_in_threadpool(_people, session, user.centre, role)
        for made in inputs:
            if made.name == field:
                options = [(name, name) for name in people if name != case.owner]
                made.widget, made.options = "select", options
    fragment = request.headers.get("HX-Target") == SLOT and "HX-Boosted" not in request.headers
    return render(
        request,
        "partials/step_form.html" if fragment else "step_page.html",
        user=user,
        status_code=status_code,
        case=case,
        form=form,
        target=target,
        inputs=inputs,
        problem=problem,
        version=posted.get("version") or str(case.version),
        idempotency_key=posted.get("idempotency_key") or uuid.uuid4().hex,
        allowed=allows_now(case, form, Actor(id=user.username, role=user.role), target),
    )


def _people(session: Session, centre: str, role: Role) -> list[str]:
    users = accounts.list_users(session=session, centre=centre, limit=500)
    return [u.username for u in users if u.role is role and not u.disabled]


@router.post("/{step}")
async def take_step(
    request: Request,
    case_id: uuid.UUID,
    stored: CaseInReach,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    user: SignedIn,
    step: StepName,
) -> Response:
    """Take the step: the same path as the API's route for it. On success back to the
    case; otherwise the form again, with what was typed and what was wrong."""
    form = _form_of(request, user, step)
    posted = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    target = posted.get("target") or None
    if target is not None and not re.fullmatch(r"[A-Z][0-9]{1,9}", target):
        target = None
    formats = Formats(language_of(request, user), settings.centre_timezone)
    case = queries.opened_case(stored)
    try:
        body = form.model.model_validate(forms.model_input(form.model, posted, formats))
        if isinstance(body, AssignLawyer):
            await run_in_threadpool(check_assignable, session, body, user.centre)
        if isinstance(body, ReassignCase):
            await run_in_threadpool(check_owner, session, body.owner, user.centre, "owner")
        writer = StepContext(
            temporal=temporal,
            user=Actor(id=user.username, role=user.role),
            response=Response(),
            path=request.url.path,
            idempotency_key=forms.idempotency_key(posted),
            expected_version=forms.version(posted),
            session=session,
        )
        await writer.apply(case_id, body, target=target)  # type: ignore[arg-type]
    except ValidationError as invalid:
        errors = {
            ".".join(str(part) for part in error["loc"]) or "form": field_message(error)
            for error in invalid.errors()
        }
        return await _show(
            request, session, user, case, form, target, posted=posted, errors=errors,
            problem={"code": "validation_error"}, status_code=422,
        )  # fmt: skip
    except Exception as refused:  # the API's mapping says what it was
        problem = await problem_of(request, refused)
        if problem["status"] >= 500:
            raise
        fields = {
            error["field"]: problem_message(problem["code"]) for error in problem.get("errors", [])
        }
        if problem["code"] == "stale_version":
            posted = {**posted, "version": ""}  # shown again at the case's version now
            case = await run_in_threadpool(read_case, session, user, stored, "console_step_form")
        return await _show(
            request, session, user, case, form, target, posted=posted, errors=fields,
            problem=problem, status_code=problem["status"],
        )  # fmt: skip
    anchor = f"#item-{target}" if target else ""
    return RedirectResponse(f"/console/cases/{case_id}?done={step}{anchor}", status_code=303)


@restores("/console/cases/{case_id}/steps/{step}")
async def restore_step(
    request: Request, user: User, params: dict[str, str], values: list[tuple[str, str]]
) -> Response:
    """The step's form as it was typed, for its author once signed in again."""
    factory = request.app.state.session_factory
    with factory() as session:
        stored = queries.stored_case(session=session, case_id=str(params["case_id"]))
        if stored is None or not may_see_case(user, centre=stored.centre, lawyer=stored.lawyer):
            raise CaseNotFound(f"no case {params['case_id']}")
        form = _form_of(request, user, str(params["step"]))
        case = read_case(session, user, stored, "console_step_form")
        posted = dict(values)
        return await _show(
            request, session, user, case, form, posted.get("target"), posted=posted, errors={}
        )
