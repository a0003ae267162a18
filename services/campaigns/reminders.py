"""Raising visits not done as the holiday nears, one rung of the ladder at a time: the
assignee is reminded, then the supervisor and then the centre head hear of them."""

from __future__ import annotations

from collections import Counter

import structlog
from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import Session

from services.campaigns.model import CampaignPlan, rung_name
from services.campaigns.records import CampaignNoticeRecord, CampaignVisitRecord, VisitRecord
from services.campaigns.selection import campaign_row
from services.campaigns.work import RungSounded, SoundRung
from services.deadlines.policy import LADDER
from services.kernel.actors import Role

log = structlog.stdlib.get_logger(__name__)
RAISED_ZH = {1: "（已上报主管）", 2: "（已上报中心负责人）"}


def reached() -> ColumnElement[bool]:
    """On ``campaign_visit``: its household has been visited and reached."""
    return exists().where(
        VisitRecord.campaign_id == CampaignVisitRecord.campaign_id,
        VisitRecord.person_id == CampaignVisitRecord.person_id,
        VisitRecord.reached.is_(True),
    )


def sound_rung(*, session: Session, order: SoundRung) -> RungSounded:
    """Raise every household not visited to ``order.rung`` and queue one notice per
    recipient; safe to repeat (a notice is queued once per campaign, rung, recipient)."""
    campaign = campaign_row(session, order.campaign_id)
    plan = CampaignPlan.model_validate(campaign.plan)
    not_done = (CampaignVisitRecord.campaign_id == campaign.id, ~reached())
    session.execute(
        update(CampaignVisitRecord)
        .where(*not_done, CampaignVisitRecord.level <= order.rung)
        .values(level=order.rung + 1)
    )
    counted = session.execute(
        select(CampaignVisitRecord.assignee, func.count())
        .where(*not_done)
        .group_by(CampaignVisitRecord.assignee)
    ).all()
    by_assignee: Counter[str | None] = Counter(dict(counted))
    queued = 0
    for recipient, role, households in _recipients(order.rung, by_assignee):
        message = _message(plan, households, order.rung)
        queued += _queue(session, campaign.id, order, (recipient, role), households, message)
    outstanding = sum(by_assignee.values())
    log.info(
        "campaign rung sounded", campaign_id=campaign.id, rung=rung_name(order.rung),
        outstanding=outstanding, notices=queued,
    )  # fmt: skip
    return RungSounded(rung=order.rung, outstanding=outstanding, notices=queued)


def _recipients(rung: int, by_assignee: Counter[str | None]) -> list[tuple[str, Role, int]]:
    """Each assignee hears of their own households at the first rung; households nobody
    is assigned to go to the supervisor at once. Higher rungs hear of all of them."""
    if rung == 0:
        mine = sorted((name, Role.STAFF, n) for name, n in by_assignee.items() if name)
        chosen = [*mine, (rung_name(1), Role.SUPERVISOR, by_assignee[None])]
    else:
        chosen = [(rung_name(rung), LADDER[rung][1] or Role.STAFF, sum(by_assignee.values()))]
    return [(recipient, role, n) for recipient, role, n in chosen if n]


def _message(plan: CampaignPlan, households: int, rung: int) -> str:
    raised = f" (raised to the {rung_name(rung).replace('_', ' ')})" if rung else ""
    return (
        f"{plan.name}（{plan.holiday:%Y-%m-%d}）：尚有 {households} 户未走访"
        f"{RAISED_ZH.get(rung, '')} / {plan.name} ({plan.holiday:%Y-%m-%d}): "
        f"{households} household(s) not visited yet{raised}"
    )


def _queue(
    session: Session,
    campaign_id: str,
    order: SoundRung,
    recipient: tuple[str, Role],
    households: int,
    message: str,
) -> bool:
    name, role = recipient
    there = session.scalar(
        select(CampaignNoticeRecord.id).where(
            CampaignNoticeRecord.campaign_id == campaign_id,
            CampaignNoticeRecord.rung == order.rung,
            CampaignNoticeRecord.recipient == name,
        )
    )
    if there is not None:
        return False
    notice = CampaignNoticeRecord(
        campaign_id=campaign_id,
        rung=order.rung,
        recipient=name,
        role=role.value,
        households=households,
        message=message,
        created_at=order.at,
    )
    session.add(notice)
    session.flush()
    return True
