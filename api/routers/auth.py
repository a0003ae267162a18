"""Signing in: the OAuth2 password flow, answering with a short-lived bearer token."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel

from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.users import accounts, tokens
from services.users.attempts import SlidingWindow
from services.users.errors import NotSignedIn, TooManyAttempts
from services.users.model import User

router = APIRouter(prefix="/auth", tags=["sign-in"], responses=PROBLEMS)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int


@router.post("/token")
def sign_in(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Token:
    """Exchange a username and password for a bearer token (send it as
    ``Authorization: Bearer …``); attempts per user and client are limited."""
    attempts: SlidingWindow = request.app.state.sign_in_attempts
    client = request.client.host if request.client else "unknown"
    wait = attempts.attempt(f"{username}\x00{client}")
    if wait:
        raise TooManyAttempts("too many sign-in attempts; retry later", retry_after=wait)
    user = accounts.authenticate(session=session, username=username, password=password)
    secret = settings.auth_token_secret
    if user is None or secret is None:
        raise NotSignedIn("wrong username or password, or the account is disabled")
    minutes = settings.auth_token_minutes
    response.headers["Cache-Control"] = "no-store"
    return Token(
        access_token=tokens.issue_token(
            user, secret=secret.get_secret_value().encode(), minutes=minutes
        ),
        expires_in=minutes * 60,
    )


@router.get("/me")
async def who_am_i(user: SignedIn) -> User:
    """The signed-in user: name, role and centre."""
    return user
