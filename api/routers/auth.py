"""Signing in: the OAuth2 password flow, answering with a short-lived bearer token; and
changing one's own password."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from casework.settings import Settings
from services.kernel.errors import DomainError
from services.users import account_log, changes, signin, tokens
from services.users.account_log import Notice
from services.users.errors import NotSignedIn
from services.users.model import User

router = APIRouter(prefix="/auth", tags=["sign-in"], responses=PROBLEMS)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int
    password_change_required: bool = Field(
        description="Someone else chose this password: the token reaches only "
        "POST /auth/password until the owner has chosen their own"
    )
    notices: list[Notice] = Field(
        default=[], description="What others did to this account since its last sign-in"
    )


class PasswordChange(BaseModel):
    current: str = Field(min_length=1, max_length=200)
    new: str = Field(min_length=8, max_length=200)


@router.post("/token")
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Token:
    """Exchange a username and password for a bearer token (send it as
    ``Authorization: Bearer …``); failed attempts per user and client address, per
    address and in all are limited."""
    user = checked_sign_in(request, session, username, password)
    notices = account_log.notices(
        session=session, username=user.username, since=user.last_signed_in_at
    )
    return _token(user, settings, notices)


@router.post("/password")
def change_password(
    request: Request,
    body: PasswordChange,
    user: SignedIn,
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Choose your own password, giving the current one; answers with a new token (the
    earlier ones stop working). The one route open to an account whose password someone
    else chose."""
    changed = changed_own_password(request, session, user, body)
    return _token(changed, settings, [])


@router.get("/me")
async def who_am_i(user: SignedIn) -> User:
    """The signed-in user: name, role and centre."""
    return user


def client_address(request: Request) -> str:
    """The client's address: the peer's, or the one a trusted proxy forwarded
    (FORWARDED_ALLOW_IPS; uvicorn's proxy headers middleware decides which)."""
    return request.client.host if request.client else "unknown"


def checked_sign_in(request: Request, session: Session, username: str, password: str) -> User:
    """The user whose password this is, within the sign-in limits (the console's sign-in
    too); committed, a refusal as well."""
    return _committed(
        session,
        lambda: signin.sign_in(
            session=session,
            guard=request.app.state.sign_in_guard,
            username=username,
            password=password,
            address=client_address(request),
            now=datetime.now(UTC),
        ),
    )


def changed_own_password(
    request: Request, session: Session, user: User, change: PasswordChange
) -> User:
    """``user`` with the password of their own choosing (the console's form too);
    committed, a refusal as well."""
    return _committed(
        session,
        lambda: changes.change_own_password(
            session=session,
            guard=request.app.state.sign_in_guard,
            username=user.username,
            current=change.current,
            new=change.new,
            address=client_address(request),
            now=datetime.now(UTC),
        ),
    )


def _committed(session: Session, work: Callable[[], User]) -> User:
    # A refused sign-in is recorded (it counts towards the limits): keep it, then refuse.
    try:
        user = work()
    except DomainError:
        session.commit()
        raise
    session.commit()
    return user


def _token(user: User, settings: Settings, notices: list[Notice]) -> Token:
    secret = settings.auth_token_secret
    if secret is None:
        raise NotSignedIn("sign-in is not configured")
    minutes = settings.auth_token_minutes
    return Token(
        access_token=tokens.issue_token(
            user,
            secret=secret.get_secret_value().encode(),
            minutes=minutes,
            audience=settings.deployment_id,
        ),
        expires_in=minutes * 60,
        password_change_required=user.must_change_password,
        notices=notices,
    )
