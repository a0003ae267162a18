"""Visits as recorded by the staff who made them: who went (staff and the leaders who
came along), when, whether the family was reached, what was given, what was found."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.campaigns.model import CampaignPlan, GoodsItem, cents_of, yuan_of
from services.campaigns.records import CampaignVisitRecord, VisitRecord
from services.campaigns.selection import CampaignClosed, CampaignNotFound, campaign_row
from services.kernel.actors import Actor, Role
from services.kernel.errors import IdempotencyKeyReused, InvalidInput
from services.kernel.values import Frozen, LongText, Money, ShortText
from services.register import journal, people, sealing
from services.register.journal import Action
from services.users import accounts
from services.users.model import Username

PLACE = "visit.findings"


class Leader(Frozen):
    """A leader who came along (县领导, 武装部长 …): a public office, not personal data."""

    name: ShortText
    title: ShortText | None = None


class VisitIn(Frozen):
    person_id: uuid.UUID
    visited_on: date
    reached: bool = Field(description="The family was met; false: nobody was there")
    visitors: list[Username] = Field(
        default_factory=list, max_length=10, description="Staff who went, besides the recorder"
    )
    leaders: list[Leader] = Field(default_factory=list, max_length=10)
    cash: Money | None = Field(default=None, description="Condolence money given, in yuan")
    goods: list[GoodsItem] = Field(default_factory=list, max_length=20)
    findings: LongText | None = Field(default=None, description="What was found; sealed")
    case_id: uuid.UUID | None = Field(default=None, description="A case opened from this visit")

    @field_validator("cash", "goods")
    @classmethod
    def _nothing_given_to_nobody(cls, given: Any, info: ValidationInfo) -> Any:
        if given and info.data.get("reached") is False:
            raise ValueError("nothing can be given when the family was not reached")
        return given


class Visit(Frozen):
    id: str
    campaign_id: str
    person_id: str
    visited_on: date
    reached: bool
    visitors: list[str]
    leaders: list[Leader]
    cash: Decimal
    goods: list[GoodsItem]
    findings: str | None
    case_id: str | None
    recorded_by: str
    recorded_at: datetime


class NotInCampaign(InvalidInput):
    code = "not_in_campaign"


def record_visit(
    *,
    session: Session,
    campaign_id: str,
    centre: str,
    visit: VisitIn,
    actor: Actor,
    visit_id: str | None = None,
) -> Visit:
    """One visit to a household of the campaign, while it is open; the findings are
    sealed with the person's key, so that erasing the person erases them too. A
    ``visit_id`` recorded already (a retried request) answers with that visit."""
    if visit_id is not None and (done := session.get(VisitRecord, visit_id)) is not None:
        if (done.campaign_id, done.person_id) != (campaign_id, str(visit.person_id)):
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for another visit", field="Idempotency-Key"
            )
        return _visit(done, None)  # what was found is not repeated
    # Locked: the campaign does not close while the visit is being recorded.
    campaign = campaign_row(session, campaign_id, for_update=True)
    if campaign.centre != centre:
        raise CampaignNotFound(f"no campaign {campaign_id}")
    if campaign.closed_at is not None:
        raise CampaignClosed("the campaign is closed; its figures are final", field="campaign")
    person_id = str(visit.person_id)
    task = session.get(CampaignVisitRecord, (campaign_id, person_id))
    if task is None:
        raise NotInCampaign("this household is not in the campaign", field="person_id")
    plan = CampaignPlan.model_validate(campaign.plan)
    today = (datetime.now(UTC) + timedelta(minutes=plan.utc_offset_minutes)).date()
    if not campaign.window_start <= visit.visited_on <= today:
        raise InvalidInput("must fall between the window's start and today", field="visited_on")
    _check_visitors(session, centre, visit.visitors)
    person = people.stored_person(session=session, person_id=person_id, centre=centre)
    visit_id, at = visit_id or str(uuid.uuid4()), datetime.now(UTC)
    findings = None
    if visit.findings is not None and person.erased_at is None:
        ring = sealing.person_ring(person.id, person.wrapped_key)
        findings = sealing.seal(ring, PLACE, visit_id, {"findings": visit.findings})
    row = VisitRecord(
        id=visit_id,
        campaign_id=campaign_id,
        person_id=person_id,
        visited_on=visit.visited_on,
        reached=visit.reached,
        visitors=[actor.id, *(name for name in visit.visitors if name != actor.id)],
        leaders=[leader.model_dump() for leader in visit.leaders],
        cash_cents=cents_of(visit.cash or Decimal(0)),
        goods=[item.model_dump(mode="json") for item in visit.goods],
        goods_cents=cents_of(sum((item.value for item in visit.goods), Decimal(0))),
        findings=findings,
        case_id=str(visit.case_id) if visit.case_id else None,
        recorded_by=actor.id,
        recorded_at=at,
    )
    session.add(row)
    session.flush()
    journal.write(
        session=session, centre=centre, action=Action.VISIT_RECORDED, actor=actor,
        person_id=person_id, subject=campaign_id, detail={"visit_id": visit_id}, at=at,
    )  # fmt: skip
    return _visit(row, visit.findings)


def visits_of_person(
    *, session: Session, person_id: str, centre: str, reader: Actor
) -> list[Visit]:
    """Every visit to the person, newest first, with the findings opened (journaled)."""
    person = people.stored_person(session=session, person_id=person_id, centre=centre)
    rows = session.scalars(
        select(VisitRecord)
        .where(VisitRecord.person_id == person_id)
        .order_by(VisitRecord.visited_on.desc(), VisitRecord.recorded_at.desc())
    ).all()
    ring = None if person.erased_at else sealing.person_ring(person.id, person.wrapped_key)
    visits = [
        _visit(
            row,
            sealing.open_sealed(ring, PLACE, row.id, row.findings)["findings"]
            if ring is not None and row.findings
            else None,
        )
        for row in rows
    ]
    journal.write(
        session=session, centre=centre, action=Action.VISITS_READ, actor=reader,
        person_id=person_id, detail={"visits": len(visits)},
    )  # fmt: skip
    return visits


def _check_visitors(session: Session, centre: str, names: list[str]) -> None:
    for index, name in enumerate(names):
        user = accounts.get_user(session=session, username=name)
        if user is None or user.disabled or user.centre != centre or user.role not in (
            Role.STAFF, Role.SUPERVISOR
        ):  # fmt: skip
            raise InvalidInput("not an active member of this centre", field=f"visitors.{index}")


def _visit(row: VisitRecord, findings: str | None) -> Visit:
    return Visit(
        id=row.id,
        campaign_id=row.campaign_id,
        person_id=row.person_id,
        visited_on=row.visited_on,
        reached=row.reached,
        visitors=list(row.visitors),
        leaders=[Leader.model_validate(leader) for leader in row.leaders],
        cash=yuan_of(row.cash_cents),
        goods=[GoodsItem.model_validate(item) for item in row.goods],
        findings=findings,
        case_id=row.case_id,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )
