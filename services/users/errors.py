"""Why a caller is turned away."""

from __future__ import annotations

from services.kernel.errors import DomainError


class NotSignedIn(DomainError):
    """No valid credentials; says nothing of which part was wrong."""

    status = 401
    code = "not_authenticated"


class NotAllowed(DomainError):
    """Signed in, but the role may not do this (the case's existence is not at stake)."""

    status = 403
    code = "forbidden"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UserExists(DomainError):
    status = 409
    code = "user_exists"


class UnknownUser(DomainError):
    status = 404
    code = "unknown_user"
