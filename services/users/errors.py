"""Why a caller is turned away."""

from __future__ import annotations

from services.cases.errors import DomainError


class NotSignedIn(DomainError):
    """No valid credentials; says nothing of which part was wrong."""

    status = 401
    code = "not_authenticated"


class NotAllowed(DomainError):
    """Signed in, but the role may not do this (the case's existence is not at stake)."""

    status = 403
    code = "forbidden"


class PasswordChangeRequired(NotAllowed):
    """Someone else chose this account's password: only changing it is allowed."""

    code = "password_change_required"


class RetryLater(DomainError):
    """Refused for now; ``retry_after`` seconds on, it may be let through."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttempts(RetryLater):
    status = 429
    code = "too_many_attempts"


class SignInBusy(RetryLater):
    """As many password checks run and wait as allowed: turned away, not queued."""

    status = 503
    code = "sign_in_busy"


class UserExists(DomainError):
    status = 409
    code = "user_exists"


class UnknownRequest(DomainError):
    status = 404
    code = "unknown_request"


class SecondAdminRequired(DomainError):
    """The two-person rule: the admin who asked for a change may not approve it."""

    status = 403
    code = "second_admin_required"


class UnknownUser(DomainError):
    status = 404
    code = "unknown_user"
