"""Opening a campaign and choosing its households: the rule over the register, a page
at a time, each household given to the member of staff of its township."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select, true
from sqlalchemy.orm import Session

from services.campaigns.model import CampaignPlan, SelectionRule
from services.campaigns.records import CampaignRecord, CampaignVisitRecord
from services.campaigns.work import (
    AddToCampaign,
    HouseholdsAdded,
    OpenCampaign,
    Opened,
    SelectedPage,
    SelectPage,
)
from services.kernel.errors import NotFound, StepRejected
from services.register.model import Category, Flag
from services.register.people import FLAG_COLUMNS
from services.register.records import PersonRecord
from services.register.townships import staff_by_township

SELECTED_BY = "selection"  # ``added_by`` of the households the rule chose


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignClosed(StepRejected):
    code = "campaign_closed"


def open_campaign(*, session: Session, order: OpenCampaign) -> Opened:
    """Record the campaign, once: a repeat, or a second run for the same holiday of a
    series, answers with the campaign already there."""
    plan = order.plan
    existing = session.get(CampaignRecord, order.campaign_id)
    if existing is None and plan.series is not None:
        existing = session.scalar(
            select(CampaignRecord).where(
                CampaignRecord.centre == plan.centre,
                CampaignRecord.series == plan.series.value,
                CampaignRecord.holiday == plan.holiday,
            )
        )
    if existing is not None:
        return Opened(campaign_id=existing.id, workflow_id=existing.workflow_id)
    session.add(
        CampaignRecord(
            id=order.campaign_id,
            centre=plan.centre,
            name=plan.name,
            series=plan.series.value if plan.series else None,
            holiday=plan.holiday,
            window_start=plan.window_start,
            window_end=plan.window_end,
            plan=plan.model_dump(mode="json"),
            workflow_id=order.workflow_id,
            created_by=plan.created_by,
            created_at=order.at,
        )
    )
    session.flush()
    return Opened(campaign_id=order.campaign_id, workflow_id=order.workflow_id)


def select_page(*, session: Session, order: SelectPage) -> SelectedPage:
    """The next page of the register (by person id) that the rule selects, given to
    their townships' staff; safe to repeat (households already in are skipped)."""
    campaign, plan = _campaign(session, order.campaign_id)
    query = select(PersonRecord.id, PersonRecord.category, PersonRecord.township).where(
        PersonRecord.centre == plan.centre,
        PersonRecord.erased_at.is_(None),
        rule_condition(plan.rule),
    )
    if order.after_person_id is not None:
        query = query.where(PersonRecord.id > order.after_person_id)
    rows = session.execute(query.order_by(PersonRecord.id).limit(order.limit)).all()
    assigned = _assign(session, campaign, rows, added_by=SELECTED_BY, at=order.at)
    done = len(rows) < order.limit
    if done and campaign.selection_done_at is None:
        campaign.selection_done_at = order.at
    return SelectedPage(
        assigned=len(assigned),
        last_person_id=rows[-1].id if rows else order.after_person_id,
        done=done,
    )


def add_households(*, session: Session, order: AddToCampaign) -> HouseholdsAdded:
    """Households added by hand to a running campaign: each must be a person of the
    centre's register (not erased) whom the campaign's rule selects."""
    campaign, plan = _campaign(session, order.campaign_id, for_update=True)
    if campaign.closed_at is not None:
        raise CampaignClosed("the campaign is closed", field="person_ids")
    wanted = list(dict.fromkeys(order.request.person_ids))
    flag_columns = [getattr(PersonRecord, column) for column in FLAG_COLUMNS.values()]
    found = {
        row.id: row
        for row in session.execute(
            select(
                PersonRecord.id, PersonRecord.category, PersonRecord.township, *flag_columns
            ).where(
                PersonRecord.id.in_(wanted),
                PersonRecord.centre == plan.centre,
                PersonRecord.erased_at.is_(None),
            )
        )
    }
    selected = [
        found[person_id] for person_id in wanted
        if person_id in found and plan.rule.matches(
            Category(found[person_id].category), _flags_of(found[person_id])
        )
    ]  # fmt: skip
    added = _assign(session, campaign, selected, added_by=order.request.actor.id, at=order.at)
    return HouseholdsAdded(
        added=added,
        already=[row.id for row in selected if row.id not in added],
        not_selected=[
            person_id for person_id in wanted if person_id not in {r.id for r in selected}
        ],
    )


def rule_condition(rule: SelectionRule) -> ColumnElement[bool]:
    """The rule as SQL over ``register_person``."""
    clauses = []
    for clause in rule.any_of:
        conditions: list[ColumnElement[bool]] = [
            getattr(PersonRecord, FLAG_COLUMNS[flag]).is_(True) for flag in clause.flags
        ]
        if clause.categories:
            conditions.append(PersonRecord.category.in_([c.value for c in clause.categories]))
        clauses.append(and_(true(), *conditions))
    return or_(*clauses)


def campaign_row(session: Session, campaign_id: str, for_update: bool = False) -> CampaignRecord:
    return _campaign(session, campaign_id, for_update)[0]


def _campaign(
    session: Session, campaign_id: str, for_update: bool = False
) -> tuple[CampaignRecord, CampaignPlan]:
    campaign = session.get(CampaignRecord, campaign_id, with_for_update=for_update)
    if campaign is None:
        raise CampaignNotFound(f"no campaign {campaign_id}")
    return campaign, CampaignPlan.model_validate(campaign.plan)


def _assign(
    session: Session, campaign: CampaignRecord, rows: Sequence[Any], *, added_by: str, at: datetime
) -> list[str]:
    """Visit tasks for the households of ``rows`` not in the campaign yet; their ids."""
    if not rows:
        return []
    already = set(
        session.scalars(
            select(CampaignVisitRecord.person_id).where(
                CampaignVisitRecord.campaign_id == campaign.id,
                CampaignVisitRecord.person_id.in_([row.id for row in rows]),
            )
        )
    )
    staff = staff_by_township(session=session, centre=campaign.centre)
    new = [
        {
            "campaign_id": campaign.id,
            "person_id": row.id,
            "category": row.category,
            "township": row.township,
            "assignee": staff.get(row.township),
            "added_by": added_by,
            "added_at": at,
            "level": 0,
        }
        for row in rows
        if row.id not in already
    ]
    if new:
        session.execute(insert(CampaignVisitRecord), new)
    return [task["person_id"] for task in new]


def _flags_of(row: Any) -> set[Flag]:
    return {flag for flag, column in FLAG_COLUMNS.items() if getattr(row, column)}
