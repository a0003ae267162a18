"""Tables of campaigns. One writer each: ``campaign``, ``campaign_visit`` and
``campaign_notice`` are written by the campaign workflow's activities; ``visit`` rows
are recorded by the API (docs/architecture-register.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime


class CampaignRecord(Base):
    """One campaign; a yearly one is unique per centre, series and holiday, so that a
    schedule's run and a manual trigger for the same holiday make one campaign."""

    __tablename__ = "campaign"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    series: Mapped[str | None] = mapped_column(String(40))
    holiday: Mapped[date] = mapped_column(Date)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    workflow_id: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    selection_done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("centre", "series", "holiday", name="uq_campaign_centre_series_holiday"),
        Index("ix_campaign_centre_holiday", "centre", "holiday"),
    )


class CampaignVisitRecord(Base):
    """A household to visit in a campaign (the visit task): who visits it, and how far up
    the ladder it has been raised while not done."""

    __tablename__ = "campaign_visit"

    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("register_person.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    township: Mapped[str] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(100))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    level: Mapped[int] = mapped_column(Integer, server_default="0")

    __table_args__ = (
        Index("ix_campaign_visit_campaign_id_assignee", "campaign_id", "assignee"),
        Index("ix_campaign_visit_person_id", "person_id"),
    )


class CampaignNoticeRecord(Base):
    """A reminder or escalation of visits not done, for a sender to deliver (like the
    case clocks' ``outbox``); one per campaign, rung and recipient."""

    __tablename__ = "campaign_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign.id"))
    rung: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    households: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("campaign_id", "rung", "recipient", name="uq_campaign_notice_campaign_id"),
    )


class VisitRecord(Base):
    """One visit to a household (a household may need more than one: not reached)."""

    __tablename__ = "visit"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("register_person.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    reached: Mapped[bool] = mapped_column(Boolean)
    visitors: Mapped[list[Any]] = mapped_column(JSON)
    leaders: Mapped[list[Any]] = mapped_column(JSON)
    cash_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    goods: Mapped[list[Any]] = mapped_column(JSON)
    goods_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    findings: Mapped[str | None] = mapped_column(Text)  # sealed with the person's key
    case_id: Mapped[str | None] = mapped_column(String(36))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_visit_campaign_id_person_id", "campaign_id", "person_id"),
        Index("ix_visit_person_id", "person_id"),
    )
