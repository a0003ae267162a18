"""RFC 9457 problem details: the one place errors become HTTP responses."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.intake import IntakeInProgress
from services.cases.duplicates import PossibleDuplicate
from services.cases.stuck import ProjectionFailed
from services.crypto.case_keys import KeyUnavailable
from services.kernel.errors import (
    DomainError,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    StaleVersion,
    StepRejected,
)
from services.register.matching import PossibleDuplicatePerson
from services.users.errors import (
    NotAllowed,
    NotSignedIn,
    RetryLater,
    SecondAdminRequired,
    SignInBusy,
    TooManyAttempts,
    UnknownRequest,
    UnknownUser,
    UserExists,
)

log = structlog.stdlib.get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout reached


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] = []


PROBLEMS: dict[int | str, dict[str, object]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (404, 409, 422, 503)
}
# A step sent with If-Match naming a case version that is no longer the current one.
STEP_PROBLEMS: dict[int | str, dict[str, object]] = {
    412: {
        "model": Problem,
        "content": {"application/problem+json": {}},
        "description": "The case changed since the version in If-Match",
    }
}
# Any route may answer these: sign-in, roles, the body size limit, bursts of requests.
COMMON_PROBLEMS: dict[int | str, dict[str, object]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (400, 401, 403, 404, 413, 422, 429, 503)
}


# How each class of domain error is answered; a subclass not listed takes its parent's.
STATUS_OF: dict[type[DomainError], int] = {
    DomainError: 400,
    InvalidInput: 422,
    StepRejected: 409,
    StaleVersion: 412,
    IdempotencyKeyReused: 422,
    NotFound: 404,
    PossibleDuplicate: 409,
    IntakeInProgress: 409,
    NotSignedIn: 401,
    NotAllowed: 403,
    RetryLater: 429,
    TooManyAttempts: 429,
    UserExists: 409,
    UnknownUser: 404,
    SignInBusy: 503,
    UnknownRequest: 404,
    SecondAdminRequired: 403,
    PossibleDuplicatePerson: 409,
    ProjectionFailed: 503,
}


def error_classes(base: type[DomainError]) -> list[type[DomainError]]:
    """``base`` and every class below it (those imported so far)."""
    return [base, *(kind for sub in base.__subclasses__() for kind in error_classes(sub))]


def _error_named(name: str) -> type[DomainError]:
    """A refusal from a workflow arrives as the name of its error class (every domain
    error class is imported by the time one arrives)."""
    return next(
        (kind for kind in error_classes(DomainError) if kind.__name__ == name), StepRejected
    )


def status_of(error: type[DomainError]) -> int:
    return next(STATUS_OF[kind] for kind in error.__mro__ if kind in STATUS_OF)


def problem_response(
    status_code: int,
    code: str,
    detail: str,
    errors: list[FieldError] | None = None,
    extra: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"/problems/{code.replace('_', '-')}",
        title=code.replace("_", " ").capitalize(),
        status=status_code,
        detail=detail,
        code=code,
        errors=errors or [],
    )
    content = {**body.model_dump(), **(extra or {})}
    return JSONResponse(content, status_code=status_code, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(WorkflowUpdateFailedError, _step_failed)
    app.add_exception_handler(RPCError, _temporal_unavailable)
    app.add_exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError, _step_unconfirmed)
    app.add_exception_handler(KeyUnavailable, _key_unavailable)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)  # every connection busy
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def _field_path(location: tuple[Any, ...]) -> str:
    # Drop "body"/"query"/"path" and pydantic's union tags so the path reads as the client wrote it.
    parts = [str(part) for part in location[1:] if not _is_union_tag(part)]
    return ".".join(parts) or str(location[0])


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (part.startswith(("function-", "tagged-union")) or "[" in part)


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(field=_field_path(tuple(error["loc"])), message=error["msg"])
        for error in exc.errors()
    ]
    detail = "; ".join(f"{error.field}: {error.message}" for error in errors)
    return problem_response(
        status.HTTP_422_UNPROCESSABLE_CONTENT, "validation_error", detail, errors
    )


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    errors = [FieldError(field=exc.field, message=exc.message)] if exc.field else []
    headers: dict[str, str] | None = None
    if isinstance(exc, NotSignedIn):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, RetryLater):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, ProjectionFailed):
        headers = {"Retry-After": "60"}
    return problem_response(status_of(type(exc)), exc.code, exc.message, errors, exc.extra, headers)


async def _step_failed(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkflowUpdateFailedError)
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.details:
        info = cause.details[0] if isinstance(cause.details[0], dict) else {}
        field = info.get("field")
        errors = [FieldError(field=field, message=cause.message)] if field else []
        return problem_response(
            status_of(_error_named(cause.type or "")),
            str(info.get("code", "step_rejected")),
            cause.message,
            errors,
        )
    log.error("step failed unexpectedly", exc_info=exc)
    return problem_response(500, "step_failed", "the step could not be applied")


async def _temporal_unavailable(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RPCError)
    if exc.status is RPCStatusCode.NOT_FOUND:
        return problem_response(404, "case_not_found", "no such case")
    log.warning("temporal call failed", status=exc.status.name, error=exc.message)
    return problem_response(503, "engine_unavailable", "the case engine is unavailable; retry")


async def _step_unconfirmed(_: Request, exc: Exception) -> JSONResponse:
    # The step may have been accepted: a repeat with the same Idempotency-Key is
    # answered with its outcome, never applied twice.
    log.warning("step not confirmed in time", error=str(exc))
    return problem_response(
        503,
        "step_unconfirmed",
        "the case engine did not confirm the step in time; repeat the request with the "
        "same Idempotency-Key to learn its outcome",
        headers={"Retry-After": "1"},
    )


async def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == QUERY_CANCELED:
        log.warning("statement timeout", error=str(exc).splitlines()[0])
        return problem_response(
            503,
            "statement_timeout",
            "the database took too long to answer; retry later, or ask for less",
            headers={"Retry-After": "5"},
        )
    log.warning("database unavailable", error=str(exc).splitlines()[0])
    return problem_response(503, "database_unavailable", "the database is unavailable; retry")


async def _key_unavailable(_: Request, exc: Exception) -> JSONResponse:
    # Never an emptied case in its place: the operator restores the key, the client retries.
    log.error("case key unavailable", error=str(exc))
    return problem_response(
        503,
        "key_unavailable",
        "this case's personal data cannot be opened by this server (its key is unavailable); "
        "retry later",
        headers={"Retry-After": "30"},
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Routes outside the schema (the console's) keep the router's own answer.
        headers["Allow"] = ", ".join(_allowed_methods(request)) or headers.get("Allow", "")
    return problem_response(exc.status_code, code, str(exc.detail), headers=headers or None)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for this path (RFC 9110: a 405 says which); the
    router names only those of the first route that matched the path."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return problem_response(500, "internal_error", "unexpected error; it has been logged")
