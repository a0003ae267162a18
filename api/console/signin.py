"""The console's use of sign-in: the same accounts, passwords and rate limit as
``POST /auth/token`` (``api/routers/auth.py``), in this one adapter."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from services.users import accounts
from services.users.attempts import SlidingWindow
from services.users.errors import NotSignedIn, TooManyAttempts
from services.users.model import User


def authenticate(request: Request, session: Session, username: str, password: str) -> User:
    """The user whose password this is; raises as ``POST /auth/token`` does."""
    attempts: SlidingWindow = request.app.state.sign_in_attempts
    client = request.client.host if request.client else "unknown"
    wait = attempts.attempt(f"{username}\x00{client}")
    if wait:
        raise TooManyAttempts("too many sign-in attempts; retry later", retry_after=wait)
    user = accounts.authenticate(session=session, username=username, password=password)
    if user is None:
        raise NotSignedIn("wrong username or password, or the account is disabled")
    return user
