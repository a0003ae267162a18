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
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.routers.auth import client_address
from api.routers.evidence import attach_and_record
from api.steps import KEY_PATTERN, StepContext
from services.cases import queries
from services.cases.model import CaseFile
from services.departments.letters import DEPARTMENT_NAMES
from services.departments.links import LinkGrant, LinkRefused, read_link
from services.departments.referrals import reference_of
from services.kernel.actors import Actor, Role
from services.kernel.errors import InvalidInput, StepRejected
from services.legal_aid.model import (
    MATTERS,
    OPEN_MATTER,
    AcknowledgeMatter,
    Department,
    DepartmentReferral,
    LegalMatter,
    ProgressStage,
    ReportProgress,
    ResolveMatter,
)
from services.users.errors import TooManyAttempts

router = APIRouter(tags=["department"], include_in_schema=True)
Token = Annotated[str, Path(min_length=20, max_length=400, pattern=r"^[A-Za-z0-9._-]+$")]
IdempotencyField = Annotated[str, Form(pattern=KEY_PATTERN)]
STATUS_NAMES = {
    "recorded": "已登记",
    "referred": "已转介，待确认受理",
    "acknowledged": "已确认受理，处理中",
    "resolved": "已办结",
    "closed_without_remedy": "已终结（未获救济）",
}
PROGRESS_NAMES = {
    "accepted": "已立案受理",
    "investigating": "调查中",
    "mediation": "调解中",
}
NOTICES = {
    "acknowledged": "已确认受理，谢谢。",
    "progress": "办理进展已提交，谢谢。",
    "result": "处理结果已提交，谢谢。",
    "reply": "回函已上传，谢谢。",
}
# The case's refusals an officer may meet on the page, in their words (any other is shown
# as the case words it).
REFUSAL_TEXTS = {
    "already_acknowledged": "贵单位已确认受理，无需重复确认。",
    "not_acknowledged": "请先确认受理，再反馈办理进展。",
    "progress_backwards": "贵单位已反馈更后的办理阶段，进展不能倒退。",
    "wrong_status": "该事项已办结或终结，不再接受反馈。",
}
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
def answer_page(
    token: Token,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    done: str | None = None,
) -> HTMLResponse:
    """The referral as the department sees it, with what it may answer now."""
    grant = _grant(request, token, settings.department_link_days)
    return _page(session, settings.centre_timezone, grant, token, notice=NOTICES.get(done or ""))


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
    await run_in_threadpool(_granted, session, grant)
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
        page = _page(session, settings.centre_timezone, grant, token, problem=wrong.message)
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
    page = _page(session, timezone, grant, token, problem=problem)
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
    await run_in_threadpool(_granted, session, grant)
    writer = _writer(request, session, temporal, grant, key)
    try:
        await writer.apply(uuid.UUID(grant.case_id), step, target=grant.matter_id)
    except WorkflowUpdateFailedError as failed:
        return _refused(failed, session, timezone, grant, token)
    return RedirectResponse(f"/department/{token}?done={done}", status_code=303)


def _unfit(session: SessionDep, timezone: str, grant: LinkGrant, token: str) -> Response:
    """A text the case's one boundary refuses (a control character, too long): the page
    says so, and nothing is recorded."""
    problem = "所填内容含有无法保存的字符或过长，请修改后重新提交。"
    page = _page(session, timezone, grant, token, problem=problem)
    page.status_code = 422
    return page


def _granted(
    session: SessionDep, grant: LinkGrant
) -> tuple[CaseFile, LegalMatter, DepartmentReferral]:
    """The case, matter and referral a link grants; LinkRefused if there is none any
    more, staff revoked the link, or a newer letter replaced it (each refused like an
    altered or expired link)."""
    case = queries.get_case(session=session, case_id=grant.case_id)
    matter = next((m for m in MATTERS.of(case) if m.id == grant.matter_id), None) if case else None
    referral = matter.referral_to(grant.department) if isinstance(matter, LegalMatter) else None
    replaced = referral is not None and referral.letter_seq not in (None, grant.seq)
    if case is None or matter is None or referral is None or referral.link_revoked_at or replaced:
        raise LinkRefused("this link is not valid (or no longer)", field="token")
    return case, matter, referral


def _page(
    session: SessionDep,
    timezone: str,
    grant: LinkGrant,
    token: str,
    *,
    notice: str | None = None,
    problem: str | None = None,
) -> HTMLResponse:
    case, matter, referral = _granted(session, grant)
    acknowledge_by = next(
        (
            clock.due_at
            for clock in case.clocks
            if clock.kind.value == "acknowledgement"
            and clock.target == f"{matter.id}/{grant.department}"
            and clock.satisfied_at is None
        ),
        None,
    )
    zone = ZoneInfo(timezone)
    html = (
        _templates()
        .get_template("answer.html")
        .render(
            token=token,
            key=uuid.uuid4().hex,
            reference=reference_of(grant.case_id, grant.matter_id, grant.seq),
            department_name=DEPARTMENT_NAMES.get(grant.department, grant.department),
            matter=matter,
            referral=referral,
            acknowledge_by=acknowledge_by,
            open=matter.status in OPEN_MATTER,
            status_name=STATUS_NAMES.get(matter.status.value, matter.status.value),
            progress_name=PROGRESS_NAMES.get(referral.progress or ""),
            stages=_stages_from(referral.progress),
            notice=notice,
            problem=problem,
            local=lambda at: _local(at, zone),
        )
    )
    return HTMLResponse(html, headers={"Referrer-Policy": "no-referrer"})


def _stages_from(progress: ProgressStage | None) -> list[tuple[str, str]]:
    """The stages the department may report next: its latest, and those after it."""
    stages = list(ProgressStage)
    later = stages[stages.index(progress) :] if progress else stages
    return [(stage.value, PROGRESS_NAMES[stage.value]) for stage in later]


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@cache
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(FilePath(__file__).parent), autoescape=select_autoescape()
    )


def install(app: Any) -> None:
    app.state.department_limiter = AddressLimiter()
    app.include_router(router)
