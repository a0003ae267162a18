"""Account administration for a centre's admins: the accounts, adding one, disabling one,
resetting a password, and the second admin's decision on what needs one; the account log.

Each change goes through the JSON API's own handler (``api.routers.users``): the same
rules (the admin's centre, the two-person rule) and the same account log. The console
chooses the new password and shows it once, to be handed to its owner, who must change it
at first sign-in.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.console.pages import render
from api.deps import SessionDep
from api.policy import SignedIn
from api.routers import users as api
from services.kernel.actors import Role
from services.users import account_log, accounts, changes
from services.users.changes import AccountRequest
from services.users.model import PEOPLE, User

router = APIRouter(prefix="/console", include_in_schema=False)
UsernamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._@-]{1,100}$")]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SHOWN = 200
LOG_SHOWN = 50


def new_password() -> str:
    """Sixteen characters from a CSPRNG, easy to read out (no 0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _page(request: Request, session: SessionDep, admin: User, **shown: Any) -> HTMLResponse:
    return render(
        request,
        "accounts.html",
        user=admin,
        accounts=accounts.list_users(session=session, centre=admin.centre, limit=SHOWN),
        pending=changes.pending_requests(
            session=session, centre=admin.centre, now=datetime.now(UTC)
        ),
        log=account_log.entries(session=session, centre=admin.centre, limit=LOG_SHOWN),
        roles=list(PEOPLE),
        **({"result": None, "done": None} | shown),
    )


@router.get("/accounts")
def accounts_page(
    request: Request, session: SessionDep, admin: SignedIn, done: str | None = None
) -> HTMLResponse:
    """The centre's accounts, changes waiting for a second admin, and the account log."""
    return _page(request, session, admin, done=done if done in DONE else None)


DONE = ("disabled", "approved", "refused")


@router.post("/accounts")
def add_account(
    request: Request,
    session: SessionDep,
    admin: SignedIn,
    username: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
) -> HTMLResponse:
    """Add an account of the admin's centre; its password is shown once."""
    password = new_password()
    try:
        body = api.NewUser.model_validate(
            {"username": username, "role": role, "password": password}
        )
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors()) from None
    outcome = api.add_user(body, admin, session, Response())
    return _page(request, session, admin, result=_result("added", outcome, password))


@router.post("/accounts/{username}/disable")
def disable_account(
    session: SessionDep, admin: SignedIn, username: UsernamePath
) -> RedirectResponse:
    """Disable an account: its sessions and tokens stop working."""
    api.disable_user(username, admin, session)
    return RedirectResponse("/console/accounts?done=disabled", status_code=303)


@router.post("/accounts/{username}/password")
def reset_password(
    request: Request, session: SessionDep, admin: SignedIn, username: UsernamePath
) -> HTMLResponse:
    """Choose a new password (shown once), to be changed at the next sign-in."""
    password = new_password()
    outcome = api.reset_password(
        username, api.NewPasswordBody(password=password), admin, session, Response()
    )
    return _page(request, session, admin, result=_result("reset", outcome, password))


@router.post("/account-requests/{request_id}/{decision}")
def decide(
    session: SessionDep,
    admin: SignedIn,
    request_id: RequestId,
    decision: Annotated[str, Path(pattern="^(approve|refuse)$")],
) -> RedirectResponse:
    """A second admin's decision on a change another admin asked for."""
    if decision == "approve":
        api.approve_request(request_id, admin, session)
    else:
        api.refuse_request(request_id, admin, session)
    done = "approved" if decision == "approve" else "refused"
    return RedirectResponse(f"/console/accounts?done={done}", status_code=303)


def _result(what: str, outcome: User | AccountRequest, password: str) -> dict[str, object]:
    pending = isinstance(outcome, AccountRequest)
    return {"what": what, "username": outcome.username, "role": Role(outcome.role),
            "password": password, "pending": pending}  # fmt: skip
