"""A campaign's figures, and a year's: households selected, visited, not reached, not
visited, money and goods given, cases opened from visits, by category and township; each
drillable to the households behind it. Counted from the rows themselves, so they are
right at any time (and final once the campaign is closed: no visit is recorded after,
though a case may still be opened from one, and counts where it is read)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from services.campaigns.model import rung_name, yuan_of
from services.campaigns.records import CampaignRecord, CampaignVisitRecord, VisitRecord
from services.campaigns.reminders import reached
from services.campaigns.selection import campaign_row
from services.campaigns.work import CloseCampaign
from services.register.records import PersonRecord


class Status(StrEnum):
    VISITED = "visited"  # reached at least once
    NOT_REACHED = "not_reached"  # visited, nobody there every time
    NOT_VISITED = "not_visited"


class Counts(BaseModel):
    selected: int = 0
    visited: int = 0
    not_reached: int = 0
    not_visited: int = 0
    cash: Decimal = yuan_of(0)
    goods_value: Decimal = yuan_of(0)
    cases_opened: int = 0  # cases opened from the visits (services/campaigns/visit_cases.py)

    def add(self, other: Counts) -> None:
        for name in Counts.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class CampaignFigures(BaseModel):
    campaign_id: str
    name: str
    series: str | None
    holiday: date
    closed: bool
    totals: Counts
    by_category: dict[str, Counts]
    by_township: dict[str, Counts]
    raised: dict[str, int]  # households raised to each rung of the ladder, not done yet


class YearFigures(BaseModel):
    year: int
    totals: Counts
    by_category: dict[str, Counts]
    campaigns: list[CampaignFigures]


class VisitFigures(BaseModel):
    """The holiday visits of the campaigns whose holiday falls in a period, per year and
    per campaign; ``GET /campaigns/{campaign_id}/households`` lists the households behind
    a figure (``status``, ``category``, ``township``, ``case_opened``)."""

    totals: Counts
    by_category: dict[str, Counts]
    years: list[YearFigures]


class Household(BaseModel):
    person_id: str
    name: str
    category: str
    township: str
    assignee: str | None
    status: Status
    raised_to: str | None


class HouseholdPage(BaseModel):
    items: list[Household]
    next_cursor: str | None


def _status() -> Any:
    attempted = exists().where(
        VisitRecord.campaign_id == CampaignVisitRecord.campaign_id,
        VisitRecord.person_id == CampaignVisitRecord.person_id,
    )
    return case(
        (reached(), Status.VISITED.value),
        (attempted, Status.NOT_REACHED.value),
        else_=Status.NOT_VISITED.value,
    )


def campaign_figures(*, session: Session, campaign_id: str) -> CampaignFigures:
    campaign = campaign_row(session, campaign_id)
    status = _status().label("status")
    rows = session.execute(
        select(CampaignVisitRecord.category, CampaignVisitRecord.township, status, func.count())
        .where(CampaignVisitRecord.campaign_id == campaign_id)
        .group_by(CampaignVisitRecord.category, CampaignVisitRecord.township, status)
    ).all()
    given = session.execute(
        select(
            CampaignVisitRecord.category,
            CampaignVisitRecord.township,
            func.sum(VisitRecord.cash_cents),
            func.sum(VisitRecord.goods_cents),
        )
        .join(VisitRecord, _visit_of_task())
        .where(CampaignVisitRecord.campaign_id == campaign_id)
        .group_by(CampaignVisitRecord.category, CampaignVisitRecord.township)
    ).all()
    opened = session.execute(
        select(
            CampaignVisitRecord.category,
            CampaignVisitRecord.township,
            func.count(func.distinct(VisitRecord.case_id)),
        )
        .join(VisitRecord, _visit_of_task())
        .where(CampaignVisitRecord.campaign_id == campaign_id, VisitRecord.case_id.is_not(None))
        .group_by(CampaignVisitRecord.category, CampaignVisitRecord.township)
    ).all()
    totals = Counts()
    by_category: dict[str, Counts] = {}
    by_township: dict[str, Counts] = {}
    for category, township, state, count in rows:
        counts = Counts(selected=count, **{state: count})
        for bucket in (totals, by_category.setdefault(category, Counts()),
                       by_township.setdefault(township, Counts())):  # fmt: skip
            bucket.add(counts)
    for category, township, cash, goods in given:
        money = Counts(cash=yuan_of(cash or 0), goods_value=yuan_of(goods or 0))
        for bucket in (totals, by_category[category], by_township[township]):
            bucket.add(money)
    for category, township, count in opened:
        for bucket in (totals, by_category[category], by_township[township]):
            bucket.add(Counts(cases_opened=count))
    return CampaignFigures(
        campaign_id=campaign.id,
        name=campaign.name,
        series=campaign.series,
        holiday=campaign.holiday,
        closed=campaign.closed_at is not None,
        totals=totals,
        by_category=dict(sorted(by_category.items())),
        by_township=dict(sorted(by_township.items())),
        raised=_raised(session, campaign_id),
    )


def year_figures(*, session: Session, centre: str, year: int) -> YearFigures:
    """Every campaign of the centre whose holiday falls in ``year``, and their sums."""
    campaigns = _campaigns_between(session, centre, date(year, 1, 1), date(year, 12, 31))
    totals, by_category = _sums(campaigns)
    return YearFigures(year=year, totals=totals, by_category=by_category, campaigns=campaigns)


def visit_figures(*, session: Session, centre: str | None, first: date, last: date) -> VisitFigures:
    """The campaigns whose holiday falls between ``first`` and ``last`` (inclusive), of
    one centre (of all with None), per year of their holiday, and their sums."""
    campaigns = _campaigns_between(session, centre, first, last)
    years = []
    for year in sorted({figures.holiday.year for figures in campaigns}):
        of_year = [figures for figures in campaigns if figures.holiday.year == year]
        year_totals, year_by_category = _sums(of_year)
        years.append(
            YearFigures(
                year=year, totals=year_totals, by_category=year_by_category, campaigns=of_year
            )
        )
    totals, by_category = _sums(campaigns)
    return VisitFigures(totals=totals, by_category=by_category, years=years)


def _campaigns_between(
    session: Session, centre: str | None, first: date, last: date
) -> list[CampaignFigures]:
    query = select(CampaignRecord.id).where(
        CampaignRecord.holiday >= first, CampaignRecord.holiday <= last
    )
    if centre is not None:
        query = query.where(CampaignRecord.centre == centre)
    ids = session.scalars(query.order_by(CampaignRecord.holiday, CampaignRecord.id)).all()
    return [campaign_figures(session=session, campaign_id=i) for i in ids]


def _sums(campaigns: list[CampaignFigures]) -> tuple[Counts, dict[str, Counts]]:
    totals = Counts()
    by_category: dict[str, Counts] = {}
    for figures in campaigns:
        totals.add(figures.totals)
        for category, counts in figures.by_category.items():
            by_category.setdefault(category, Counts()).add(counts)
    return totals, dict(sorted(by_category.items()))


def _visit_of_task() -> ColumnElement[bool]:
    return (VisitRecord.campaign_id == CampaignVisitRecord.campaign_id) & (
        VisitRecord.person_id == CampaignVisitRecord.person_id
    )


def households(
    *,
    session: Session,
    campaign_id: str,
    status: Status | None = None,
    category: str | None = None,
    township: str | None = None,
    assignee: str | None = None,
    case_opened: bool | None = None,
    limit: int = 50,
    after: str | None = None,
) -> HouseholdPage:
    """The households behind a figure, a page at a time in person-id order;
    ``case_opened``: those with (or without) a case opened from one of their visits."""
    state = _status().label("status")
    query = (
        select(CampaignVisitRecord, PersonRecord.name, state)
        .join(PersonRecord, PersonRecord.id == CampaignVisitRecord.person_id)
        .where(CampaignVisitRecord.campaign_id == campaign_id)
    )
    for column, wanted in ((CampaignVisitRecord.category, category),
                           (CampaignVisitRecord.township, township),
                           (CampaignVisitRecord.assignee, assignee)):  # fmt: skip
        if wanted is not None:
            query = query.where(column == wanted)
    if status is not None:
        query = query.where(state == status.value)
    if case_opened is not None:
        with_case = exists().where(_visit_of_task(), VisitRecord.case_id.is_not(None))
        query = query.where(with_case if case_opened else ~with_case)
    if after is not None:
        query = query.where(CampaignVisitRecord.person_id > after)
    rows = session.execute(query.order_by(CampaignVisitRecord.person_id).limit(limit + 1)).all()
    items = [
        Household(
            person_id=task.person_id,
            name=name,
            category=task.category,
            township=task.township,
            assignee=task.assignee,
            status=Status(state_value),
            raised_to=rung_name(task.level - 1) if task.level else None,
        )
        for task, name, state_value in rows[:limit]
    ]
    more = len(rows) > limit
    return HouseholdPage(items=items, next_cursor=items[-1].person_id if more else None)


def _raised(session: Session, campaign_id: str) -> dict[str, int]:
    rows = session.execute(
        select(CampaignVisitRecord.level, func.count())
        .where(
            CampaignVisitRecord.campaign_id == campaign_id,
            CampaignVisitRecord.level > 0,
            ~reached(),
        )
        .group_by(CampaignVisitRecord.level)
    ).all()
    return {rung_name(level - 1): count for level, count in sorted(rows)}


def close_campaign(*, session: Session, order: CloseCampaign) -> CampaignFigures:
    """Close the campaign (no visit is recorded after) and keep its final figures; a
    repeat answers with the same figures."""
    campaign = campaign_row(session, order.campaign_id, for_update=True)
    if campaign.closed_at is None:
        campaign.closed_at = order.at
        session.flush()
        campaign.figures = campaign_figures(session=session, campaign_id=campaign.id).model_dump(
            mode="json"
        )
    return CampaignFigures.model_validate(campaign.figures)
