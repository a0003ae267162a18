"""Domain errors: what was wrong, in words a caller can act on.

They carry a code and the field at fault, never an HTTP status: the API decides how each
class of error is answered (``api/problems.py``).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors the API turns into problem details."""

    code = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        extra: dict[str, object] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}
        if code:
            self.code = code


class InvalidInput(DomainError):
    """A request parameter that passed its type check but does not make sense."""

    code = "invalid_input"


class StepRejected(DomainError):
    """The step does not fit the case as it stands now; nothing was changed."""

    code = "step_rejected"


class StaleVersion(StepRejected):
    """The caller saw an older version of the case than the one it now has (If-Match)."""

    code = "stale_version"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class NotFound(DomainError):
    code = "not_found"


class CaseNotFound(NotFound):
    code = "case_not_found"
