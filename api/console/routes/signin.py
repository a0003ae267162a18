"""Signing in and out of the console, and choosing its language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from api.console import i18n
from api.console import session as cookies
from api.console.errors import problem_of
from api.console.pages import render
from api.console.restore import restored
from api.deps import SessionDep, SettingsDep
from api.routers.auth import checked_sign_in
from casework.settings import Settings
from services.kernel.errors import DomainError, InvalidInput
from services.users import accounts, sessions
from services.users.model import User

router = APIRouter(prefix="/console", include_in_schema=False)
HOME = "/console/"
CHANGE_PASSWORD = "/console/password"  # noqa: S105 - a page, not a secret
CARRY = "carry."  # prefix of a field carried through the sign-in form


def console_path(target: str | None) -> str:
    """Only a page of the console: never another site (``//host``) nor another path."""
    if target and target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return HOME


@router.get("/sign-in")
def sign_in_page(request: Request, next: Annotated[str | None, Query(max_length=500)] = None):
    """The sign-in form."""
    return render(
        request,
        "sign_in.html",
        user=None,
        expired=False,
        next=console_path(next),
        carried=[],
        username="",
        problem=None,
    )


@router.post("/sign-in")
async def sign_in(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Check the password (with the API's rate limit), start a session, go on: to the
    page asked for, or to the form that was being filled, filled again."""
    form = await request.form()
    username, password = _text(form.get("username"))[:100], _text(form.get("password"))[:200]
    target = console_path(_text(form.get("next")))
    carried = [
        (key.removeprefix(CARRY), value)
        for key, value in form.multi_items()
        if key.startswith(CARRY) and isinstance(value, str)
    ]
    try:
        if not (username and password):
            raise InvalidInput("a user name and a password are needed", field="username")
        user, token = await run_in_threadpool(
            _start, request, session, username, password, settings
        )
    except DomainError as refusal:
        problem = await problem_of(request, refusal)
        page = render(
            request,
            "sign_in.html",
            user=None,
            status_code=problem["status"],
            expired=bool(carried),
            next=target,
            carried=[(CARRY + key, value) for key, value in carried],
            username=username,
            problem=problem,
        )
        page.headers.update(problem["headers"])
        return page
    if user.must_change_password:  # nothing else until then (api/policy.py)
        response: Response | None = RedirectResponse(
            f"{CHANGE_PASSWORD}?{urlencode({'next': target})}", status_code=303
        )
    else:
        request.state.console_session = sessions.hash_of(token)
        request.state.console_user = user
        response = await restored(request, user, target, carried) if carried else None
    if response is None:
        response = RedirectResponse(target, status_code=303)
    cookies.set_session_cookie(request, response, token, settings)
    return response


def _start(
    request: Request, session: Session, username: str, password: str, settings: Settings
) -> tuple[User, str]:
    """As ``POST /auth/token`` signs in (the same limits), then a session of the console."""
    user = checked_sign_in(request, session, username, password)
    token = start_session(session, user, settings)
    session.commit()
    return user, token


def start_session(session: Session, user: User, settings: Settings) -> str:
    return sessions.start_session(
        session=session, user=user, now=datetime.now(UTC), lifetime=cookies.lifetime(settings)
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@router.post("/sign-out")
async def sign_out(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """End the session here and on the server: its cookie is worth nothing afterwards."""
    bound: str = request.state.console_session

    def end() -> None:
        sessions.end_session(session=session, id_hash=bound, now=datetime.now(UTC))
        session.commit()

    await run_in_threadpool(end)
    response = RedirectResponse("/console/sign-in", status_code=303)
    cookies.clear_session_cookie(response)
    return response


@router.post("/language")
async def choose_language(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    language: Annotated[str, Form(max_length=10)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Show the console in ``language`` from now on; remembered for a signed-in user."""
    chosen = i18n.language_or_default(language)
    try:
        user: User | None = await run_in_threadpool(
            cookies.console_user, request, session, settings
        )
    except cookies.SessionEnded:
        user = None
    if user is not None:

        def remember(username: str) -> None:
            accounts.set_language(session=session, username=username, language=chosen)
            session.commit()

        await run_in_threadpool(remember, user.username)
    answer = RedirectResponse(console_path(next), status_code=303)
    answer.set_cookie(
        cookies.LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, path="/console", samesite="lax"
    )
    return answer
