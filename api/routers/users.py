"""Accounts, managed by the admin of a centre."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.users import accounts
from services.users.errors import NotAllowed, UnknownUser
from services.users.model import Centre, PersonRole, User, Username

router = APIRouter(prefix="/users", tags=["users"], responses=PROBLEMS)
UsernamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._@-]{1,100}$")]
NewPassword = Annotated[str, Field(min_length=8, max_length=200)]


class NewUser(BaseModel):
    username: Username
    role: PersonRole
    centre: Centre | None = Field(default=None, description="Defaults to the admin's centre")
    password: NewPassword


class NewPasswordBody(BaseModel):
    password: NewPassword


@router.get("")
def list_users(
    admin: SignedIn, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[User]:
    """Accounts of the admin's centre."""
    return accounts.list_users(session=session, centre=admin.centre, limit=limit)


@router.post("", status_code=status.HTTP_201_CREATED)
def add_user(body: NewUser, admin: SignedIn, session: SessionDep) -> User:
    """Add an account at the admin's centre."""
    if body.centre not in (None, admin.centre):
        raise NotAllowed("an admin adds accounts of their own centre", field="centre")
    user = User(username=body.username, role=body.role, centre=admin.centre)
    added = accounts.add_user(session=session, user=user, password=body.password)
    session.commit()
    return added


@router.post("/{username}/disable")
def disable_user(username: UsernamePath, admin: SignedIn, session: SessionDep) -> User:
    """Disable an account: its tokens stop working (here at once, on other API processes
    within 5 seconds)."""
    _of_centre(session, username, admin)
    disabled = accounts.disable_user(session=session, username=username)
    session.commit()
    return disabled


@router.post("/{username}/password")
def reset_password(
    username: UsernamePath, body: NewPasswordBody, admin: SignedIn, session: SessionDep
) -> User:
    """Set a new password (and enable the account); earlier tokens stop working (here at
    once, on other API processes within 5 seconds)."""
    _of_centre(session, username, admin)
    user = accounts.reset_password(session=session, username=username, password=body.password)
    session.commit()
    return user


def _of_centre(session: SessionDep, username: str, admin: User) -> None:
    user = accounts.get_user(session=session, username=username)
    if user is None or user.centre != admin.centre:
        raise UnknownUser(f"no user {username}", field="username")
