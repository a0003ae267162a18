"""The department's answer page: the signed link of a referral letter opens it; the
officer acknowledges receipt (with their own reference), reports progress (accepted,
investigating, mediation) and the result. Each answer is a step on the matter through
the one step path, by an actor of role ``department``; the link is the only credential,
and grants this one referral, until staff revoke it (the ``department_link_revoked`` step
on the matter) or issue a new letter (``department_link_reissued``): a revoked or
replaced link is refused exactly as an altered or expired one.

Every request is limited per client address; the token never reaches a log line or a
trace (casework/logging.py and casework/tracing.py mask it).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict, deque
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.department.page import NOTICES, REFUSAL_TEXTS, UNFIT_TEXT, granted, render
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.routers.auth import client_address
from api.routers.evidence import attach_and_record
from api.steps import KEY_PATTERN, StepContext
from services.departments.links import LinkGrant, LinkRefused, read_link
from services.kernel.actors import Actor, Role
from services.kernel.errors import InvalidInput, StepRejected
from services.legal_aid.model import (
    AcknowledgeMatter,
    Department,
    ProgressStage,
    ReportProgress,
    ResolveMatter,
)
from services.users.errors import TooManyAttempts

router = APIRouter(tags=["department"], include_in_schema=True)
Token = Annotated[str, Path(min_length=20, max_length=400, pattern=r"^[A-Za-z0-9._-]+$")]
IdempotencyField = Annotated[str, Form(pattern=KEY_PATTERN)]
REQUESTS_PER_MINUTE = 30
# The case's refusals of a department's answer that are refusals of its link.
LINK_REFUSALS = ("link_revoked", "not_an_answer")


class AddressLimiter:
    """At most ``limit`` requests a minute from one client address (this process)."""

    def __init__(self, limit: int = REQUESTS_PER_MINUTE) -> None:
        self.limit = limit
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def check(self, address: str) -> None:
        now = time.monotonic()
        seen = self._seen[address]
        while seen and seen[0] <= now - 60:
            seen.popleft()
        if len(seen) >= self.limit:
            raise TooManyAttempts("too many requests: wait a minute", retry_after=60)
        seen.append(now)
        if len(self._seen) > 10_000:  # forget idle addresses
            for idle in [a for a, times in self._seen.items() if not times]:
                del self._seen[idle]


def _grant(request: Request, token: str, lifetime_days: int) -> LinkGrant:
    limiter: AddressLimiter = request.app.state.department_limiter
    limiter.check(client_address(request))
    return read_link(token, lifetime=timedelta(days=lifetime_days))


@router.get("/department/{token}", response_class=HTMLResponse)
def answerrender(
    token: Token,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    done: str | None = None,
) -> HTMLResponse:
    """The referral as the department sees it, with what it may answer now."""
    grant = _grant(request, token, settings.department_link_days)
    return render(session, settings.centre_timezone, grant, token, notice=NOTICES.get(done or ""))


@router.post("/department/{token}/acknowledge", response_class=HTMLResponse)
async def acknowledge(
    token: Token,
    request: Request,
    key: IdempotencyField,
    temporal: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
    reference: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """The department acknowledges receipt (meets the acknowledgement clock)."""
    grant = _grant(request, token, settings.department_link_days)
    try:
        step = AcknowledgeMatter(
            department=Department(grant.department), reference=reference or None
        )
    except ValidationError:
        return _unfit(session, settings.centre_timezone, grant, token)
    return await _answer(
        request,
        session,
        temporal,
        settings.centre_timezone,
        grant,
        token,
        key,
        step,
        "acknowledged",
    )


@router.post("/department/{token}/progress", response_class=HTMLResponse)
async def report_progress(
    token: Token,
    request: Request,
    key: IdempotencyField,
    stage: Annotated[ProgressStage, Form(description="accepted, investigating or mediation")],
    temporal: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
    note: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """The department reports how far it has come (after acknowledging; never back a
    stage); its decision is the result."""
    grant = _grant(request, token, settings.department_link_days)
    try:
        step = ReportProgress(
            department=Department(grant.department), stage=stage, note=note or None
        )
    except ValidationError:
        return _unfit(session, settings.centre_timezone, grant, token)
    return await _answer(
        request, session, temporal, settings.centre_timezone, grant, token, key, step, "progress"
    )


@router.post("/department/{token}/result", response_class=HTMLResponse)
async def report_result(
    token: Token,
    request: Request,
    key: IdempotencyField,
    outcome: Annotated[str, Form(min_length=1, max_length=2000)],
    temporal: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The department reports the outcome: the matter is resolved."""
    grant = _grant(request, token, settings.department_link_days)
    try:
        step = ResolveMatter(outcome=outcome)
    except ValidationError:
        return _unfit(session, settings.centre_timezone, grant, token)
    return await _answer(
        request, session, temporal, settings.centre_timezone, grant, token, key, step, "result"
    )


@router.post("/department/{token}/reply", response_class=HTMLResponse)
async def upload_reply(
    token: Token,
    request: Request,
    key: IdempotencyField,
    file: Annotated[UploadFile, File(description="The reply letter: PDF, JPEG, PNG, Word")],
    temporal: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The department's reply letter: evidence on the matter (sealed, its SHA-256 on the
    timeline), by the department."""
    grant = _grant(request, token, settings.department_link_days)
    await run_in_threadpool(granted, session, grant)
    writer = _writer(request, session, temporal, grant, key)
    try:
        await attach_and_record(
            writer,
            session,
            file,
            case_id=grant.case_id,
            matter_id=grant.matter_id,
            by=writer.user.id,
            max_bytes=settings.max_evidence_bytes,
        )
    except InvalidInput as wrong:  # not a file type taken, too large, empty
        page = render(session, settings.centre_timezone, grant, token, problem=wrong.message)
        page.status_code = 422
        return page
    except WorkflowUpdateFailedError as failed:
        return _refused(failed, session, settings.centre_timezone, grant, token)
    return RedirectResponse(f"/department/{token}?done=reply", status_code=303)


def _writer(
    request: Request, session: SessionDep, temporal: TemporalDep, grant: LinkGrant, key: str
) -> StepContext:
    return StepContext(
        temporal=temporal,
        user=Actor(id=f"department:{grant.department}", role=Role.DEPARTMENT),
        response=Response(),
        path=request.scope["route"].path,
        idempotency_key=f"dept:{key}",
        expected_version=None,
        session=session,
    )


def _refused(
    failed: WorkflowUpdateFailedError,
    session: SessionDep,
    timezone: str,
    grant: LinkGrant,
    token: str,
) -> Response:
    """The case refused the step: a refusal of the link itself (revoked while the answer
    was on its way) is the link's refusal; any other is shown on the page."""
    cause = failed.cause
    info = cause.details[0] if isinstance(cause, ApplicationError) and cause.details else {}
    code = info.get("code") if isinstance(info, dict) else None
    if code in LINK_REFUSALS:
        raise LinkRefused("this link is not valid (or no longer)", field="token") from None
    if not isinstance(cause, ApplicationError) or cause.type != StepRejected.__name__:
        raise failed
    problem = REFUSAL_TEXTS.get(code or "", cause.message)
    page = render(session, timezone, grant, token, problem=problem)
    page.status_code = 409
    return page


async def _answer(
    request: Request,
    session: SessionDep,
    temporal: TemporalDep,
    timezone: str,
    grant: LinkGrant,
    token: str,
    key: str,
    step: AcknowledgeMatter | ReportProgress | ResolveMatter,
    done: str,
) -> Response:
    # Not revoked (the case's rules refuse a revoked link's answer too, in the workflow).
    await run_in_threadpool(granted, session, grant)
    writer = _writer(request, session, temporal, grant, key)
    try:
        await writer.apply(uuid.UUID(grant.case_id), step, target=grant.matter_id)
    except WorkflowUpdateFailedError as failed:
        return _refused(failed, session, timezone, grant, token)
    return RedirectResponse(f"/department/{token}?done={done}", status_code=303)


def _unfit(session: SessionDep, timezone: str, grant: LinkGrant, token: str) -> Response:
    """A text the case's one boundary refuses (a control character, too long): the page
    says so, and nothing is recorded."""
    page = render(session, timezone, grant, token, problem=UNFIT_TEXT)
    page.status_code = 422
    return page


def install(app: Any) -> None:
    app.state.department_limiter = AddressLimiter()
    app.include_router(router)
