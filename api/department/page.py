"""The department's answer page as the officer reads it (Chinese): what its link grants,
the referral, and the forms it may answer with now."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from pathlib import Path as FilePath
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from services.cases import queries
from services.cases.model import CaseFile
from services.departments.letters import DEPARTMENT_NAMES
from services.departments.links import LinkGrant, LinkRefused
from services.departments.referrals import reference_of
from services.legal_aid.model import (
    MATTERS,
    OPEN_MATTER,
    DepartmentReferral,
    LegalMatter,
    ProgressStage,
)

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
UNFIT_TEXT = "所填内容含有无法保存的字符或过长，请修改后重新提交。"


def granted(session: Session, grant: LinkGrant) -> tuple[CaseFile, LegalMatter, DepartmentReferral]:
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


def render(
    session: Session,
    timezone: str,
    grant: LinkGrant,
    token: str,
    *,
    notice: str | None = None,
    problem: str | None = None,
) -> HTMLResponse:
    case, matter, referral = granted(session, grant)
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
