"""Why a caller is turned away."""

from __future__ import annotations

from services.kernel.errors import DomainError


class NotSignedIn(DomainError):
    """No valid credentials; says nothing of which part was wrong."""

    code = "not_authenticated"


class NotAllowed(DomainError):
    """Signed in, but the role may not do this (the case's existence is not at stake)."""

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
    code = "too_many_attempts"


class SignInBusy(RetryLater):
    """As many password checks run and wait as allowed: turned away, not queued."""

    code = "sign_in_busy"


class UserExists(DomainError):
    code = "user_exists"


class UnknownRequest(DomainError):
    code = "unknown_request"


class SecondAdminRequired(DomainError):
    """The two-person rule: the admin who asked for a change may not approve it."""

    code = "second_admin_required"


class UnknownUser(DomainError):
    code = "unknown_user"
