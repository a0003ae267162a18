"""Reading campaigns: the centre's list, and one with its plan, progress and notices."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.campaigns.model import CampaignPlan
from services.campaigns.records import CampaignNoticeRecord, CampaignRecord, CampaignVisitRecord
from services.campaigns.selection import CampaignNotFound


class Notice(BaseModel):
    rung: int
    recipient: str
    role: str
    households: int
    message: str
    created_at: datetime


class Campaign(BaseModel):
    id: str
    name: str
    series: str | None
    holiday: date
    window_start: date
    window_end: date
    selected: int
    selection_done: bool
    closed_at: datetime | None
    created_by: str
    created_at: datetime


class CampaignDetail(Campaign):
    plan: CampaignPlan
    notices: list[Notice]


def campaign_in_centre(*, session: Session, campaign_id: str, centre: str) -> CampaignRecord:
    """The campaign, if it is the centre's (else 404, as if it did not exist)."""
    row = session.get(CampaignRecord, campaign_id)
    if row is None or row.centre != centre:
        raise CampaignNotFound(f"no campaign {campaign_id}")
    return row


def campaign_exists(*, session: Session, campaign_id: str) -> bool:
    return session.get(CampaignRecord, campaign_id) is not None


def list_campaigns(
    *, session: Session, centre: str, year: int | None = None, limit: int = 50
) -> list[Campaign]:
    """The centre's campaigns, latest holiday first."""
    query = select(CampaignRecord).where(CampaignRecord.centre == centre)
    if year is not None:
        query = query.where(
            CampaignRecord.holiday >= date(year, 1, 1), CampaignRecord.holiday <= date(year, 12, 31)
        )
    rows = session.scalars(
        query.order_by(CampaignRecord.holiday.desc(), CampaignRecord.id).limit(limit)
    ).all()
    selected = dict(
        session.execute(
            select(CampaignVisitRecord.campaign_id, func.count())
            .where(CampaignVisitRecord.campaign_id.in_([row.id for row in rows]))
            .group_by(CampaignVisitRecord.campaign_id)
        ).all()
    )
    return [_campaign(row, selected.get(row.id, 0)) for row in rows]


def campaign_detail(*, session: Session, campaign_id: str, centre: str) -> CampaignDetail:
    row = campaign_in_centre(session=session, campaign_id=campaign_id, centre=centre)
    selected = session.scalar(
        select(func.count()).where(CampaignVisitRecord.campaign_id == campaign_id)
    )
    notices = session.scalars(
        select(CampaignNoticeRecord)
        .where(CampaignNoticeRecord.campaign_id == campaign_id)
        .order_by(CampaignNoticeRecord.created_at, CampaignNoticeRecord.id)
    )
    return CampaignDetail(
        **_campaign(row, selected or 0).model_dump(),
        plan=CampaignPlan.model_validate(row.plan),
        notices=[Notice.model_validate(notice, from_attributes=True) for notice in notices],
    )


def _campaign(row: CampaignRecord, selected: int) -> Campaign:
    return Campaign(
        id=row.id,
        name=row.name,
        series=row.series,
        holiday=row.holiday,
        window_start=row.window_start,
        window_end=row.window_end,
        selected=selected,
        selection_done=row.selection_done_at is not None,
        closed_at=row.closed_at,
        created_by=row.created_by,
        created_at=row.created_at,
    )
