"""Accounts, managed by the admins of a centre; every change is in the account log.

Making a supervisor or an admin, resetting one's password, or raising a role to one of
those answers 202 with a request that a second admin of the centre approves
(``/account-requests``); other changes take effect at once (201/200)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.users import account_log, accounts, changes
from services.users.account_log import AccountEntry, ChangedBy
from services.users.changes import AccountRequest
from services.users.errors import NotAllowed, UnknownUser
from services.users.model import Centre, PersonRole, User, Username

router = APIRouter(tags=["users"], responses=PROBLEMS)
UsernamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._@-]{1,100}$")]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NewPassword = Annotated[str, Field(min_length=8, max_length=200)]
PENDING: dict[int | str, dict[str, Any]] = {
    202: {"model": AccountRequest, "description": "Waits for a second admin's approval"}
}


class NewUser(BaseModel):
    username: Username
    role: PersonRole
    centre: Centre | None = Field(default=None, description="Defaults to the admin's centre")
    password: NewPassword = Field(description="To be changed by its owner at first sign-in")


class NewPasswordBody(BaseModel):
    password: NewPassword = Field(description="To be changed by its owner at next sign-in")


class NewRole(BaseModel):
    role: PersonRole


@router.get("/users")
def list_users(
    admin: SignedIn, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[User]:
    """Accounts of the admin's centre."""
    return accounts.list_users(session=session, centre=admin.centre, limit=limit)


@router.post("/users", status_code=status.HTTP_201_CREATED, responses=PENDING)
def add_user(
    body: NewUser, admin: SignedIn, session: SessionDep, response: Response
) -> User | AccountRequest:
    """Add an account at the admin's centre (a supervisor or admin: ask for it)."""
    if body.centre not in (None, admin.centre):
        raise NotAllowed("an admin adds accounts of their own centre", field="centre")
    user = User(username=body.username, role=body.role, centre=admin.centre)
    return _done(
        session,
        response,
        changes.add_account(
            session=session, by=_by(admin), user=user, password=body.password, now=_now()
        ),
    )


@router.post("/users/{username}/disable")
def disable_user(username: UsernamePath, admin: SignedIn, session: SessionDep) -> User:
    """Disable an account: its tokens stop working (here at once, on other API processes
    within 5 seconds)."""
    _of_centre(session, username, admin)
    disabled = changes.disable_account(
        session=session, by=_by(admin), username=username, now=_now()
    )
    session.commit()
    return disabled


@router.post("/users/{username}/password", responses=PENDING)
def reset_password(
    username: UsernamePath,
    body: NewPasswordBody,
    admin: SignedIn,
    session: SessionDep,
    response: Response,
) -> User | AccountRequest:
    """Set a new password, to be changed at the next sign-in (and enable the account);
    earlier tokens stop working. A supervisor's or admin's: ask for it."""
    _of_centre(session, username, admin)
    return _done(
        session,
        response,
        changes.reset_account_password(
            session=session, by=_by(admin), username=username, password=body.password, now=_now()
        ),
    )


@router.post("/users/{username}/role", responses=PENDING)
def change_role(
    username: UsernamePath, body: NewRole, admin: SignedIn, session: SessionDep, response: Response
) -> User | AccountRequest:
    """Give the account another role (to supervisor or admin: ask for it); earlier tokens
    stop working."""
    _of_centre(session, username, admin)
    return _done(
        session,
        response,
        changes.change_account_role(
            session=session, by=_by(admin), username=username, role=body.role, now=_now()
        ),
    )


@router.get("/account-requests")
def pending_requests(admin: SignedIn, session: SessionDep) -> list[AccountRequest]:
    """Changes of the centre's accounts waiting for a second admin, oldest first."""
    return changes.pending_requests(session=session, centre=admin.centre, now=_now())


@router.post("/account-requests/{request_id}/approve")
def approve_request(request_id: RequestId, admin: SignedIn, session: SessionDep) -> AccountRequest:
    """Approve a change another admin asked for: it takes effect now."""
    return _decide(session, admin, request_id, approve=True)


@router.post("/account-requests/{request_id}/refuse")
def refuse_request(request_id: RequestId, admin: SignedIn, session: SessionDep) -> AccountRequest:
    """Refuse (or, for the admin who asked, withdraw) a pending change."""
    return _decide(session, admin, request_id, approve=False)


@router.get("/account-log")
def account_changes(
    user: SignedIn,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Entries older than this id")
    ] = None,
) -> list[AccountEntry]:
    """Every change to the centre's accounts and request for one: who, what, when; newest
    first."""
    return account_log.entries(session=session, centre=user.centre, limit=limit, before=before)


def _decide(session: SessionDep, admin: User, request_id: int, *, approve: bool) -> AccountRequest:
    decided = changes.decide(
        session=session,
        by=_by(admin),
        centre=admin.centre,
        request_id=request_id,
        approve=approve,
        now=_now(),
    )
    session.commit()
    return decided


def _done(
    session: SessionDep, response: Response, outcome: User | AccountRequest
) -> User | AccountRequest:
    session.commit()
    if isinstance(outcome, AccountRequest):
        response.status_code = status.HTTP_202_ACCEPTED
    return outcome


def _by(admin: User) -> ChangedBy:
    return ChangedBy(name=admin.username, role=admin.role.value)


def _now() -> datetime:
    return datetime.now(UTC)


def _of_centre(session: SessionDep, username: str, admin: User) -> None:
    user = accounts.get_user(session=session, username=username)
    if user is None or user.centre != admin.centre:
        raise UnknownUser(f"no user {username}", field="username")
