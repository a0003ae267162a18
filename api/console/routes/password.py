"""Choosing one's own password, when someone else chose the current one: until then the
console shows this page and nothing else (api/policy.py). The same service as
``POST /auth/password`` changes it; the new password ends the old session, so a new one
starts here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.console import session as cookies
from api.console.errors import problem_of
from api.console.labels import N_
from api.console.messages import field_message
from api.console.pages import render
from api.console.routes.signin import console_path, start_session
from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from api.routers.auth import PasswordChange, changed_own_password
from casework.settings import Settings
from services.kernel.errors import DomainError
from services.users import sessions
from services.users.model import User

router = APIRouter(prefix="/console", include_in_schema=False)
REPEAT_DIFFERS = N_("The two new passwords differ.")
# What a refusal of the change says about its fields (the sign-in limits speak for themselves).
REFUSED = {
    "not_authenticated": ("current", N_("This is not your current password.")),
    "invalid_input": ("new", N_("Choose a password other than the current one.")),
}


@router.get("/password")
def password_page(
    request: Request, user: SignedIn, next: Annotated[str | None, Query(max_length=500)] = None
) -> HTMLResponse:
    """The form: the current password, and the new one twice."""
    return _page(request, user, console_path(next), errors={}, problem=None)


def _page(
    request: Request,
    user: User,
    target: str,
    *,
    errors: dict[str, str],
    problem: dict[str, object] | None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request, "password.html", user=user, status_code=status_code,
        next=target, errors=errors, problem=problem,
    )  # fmt: skip


@router.post("/password")
async def change_password(
    request: Request, session: SessionDep, settings: SettingsDep, user: SignedIn
) -> Response:
    """Change it, then on to the page first asked for, in a new session."""
    form = await request.form()
    posted = {key: value for key, value in form.items() if isinstance(value, str)}
    target = console_path(posted.get("next"))
    try:
        change = PasswordChange(current=posted.get("current", ""), new=posted.get("new", ""))
    except ValidationError as invalid:
        errors = {str(error["loc"][0]): field_message(error) for error in invalid.errors()}
        return _page(request, user, target, errors=errors, problem={"code": "validation_error"},
                     status_code=422)  # fmt: skip
    if posted.get("repeat") != change.new:
        return _page(request, user, target, errors={"repeat": REPEAT_DIFFERS},
                     problem={"code": "validation_error"}, status_code=422)  # fmt: skip
    try:
        token = await run_in_threadpool(_change, request, session, settings, user, change)
    except DomainError as refusal:
        problem = await problem_of(request, refusal)
        errors = dict([REFUSED[problem["code"]]]) if problem["code"] in REFUSED else {}
        page = _page(request, user, target, errors=errors, problem=problem,
                     status_code=problem["status"])  # fmt: skip
        page.headers.update(problem["headers"])
        return page
    response = RedirectResponse(target, status_code=303)
    cookies.set_session_cookie(request, response, token, settings)
    return response


def _change(
    request: Request, session: Session, settings: Settings, user: User, change: PasswordChange
) -> str:
    changed = changed_own_password(request, session, user, change)
    sessions.end_session(
        session=session, id_hash=request.state.console_session, now=datetime.now(UTC)
    )
    token = start_session(session, changed, settings)
    session.commit()
    return token
