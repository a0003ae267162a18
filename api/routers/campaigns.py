"""Holiday visit campaigns: staff start them, add households, record visits; staff and
supervisors follow them and read their figures, down to the households behind each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.deps import SessionDep, SessionFactoryDep, SettingsDep, TemporalDep
from api.policy import CurrentUser, SignedIn
from api.problems import PROBLEMS
from api.routers import cases as api_cases
from api.steps import IdempotencyKey, StepDep
from services.campaigns import figures, queries, visit_cases
from services.campaigns.model import CampaignIn, CampaignPlan
from services.campaigns.selection import CampaignClosed
from services.campaigns.visits import Visit, VisitIn, record_visit
from services.campaigns.work import AddHouseholds, HouseholdsAdded
from services.cases.model import CaseFile, Need
from services.cases.steps import OpenCase
from services.db import transaction
from services.kernel.errors import InvalidInput
from services.kernel.values import LongText, SearchText
from services.register.intake import claimant_of
from workflows.campaign_client import add_households, start_campaign

router = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=PROBLEMS)
CampaignId = uuid.UUID
VisitId = uuid.UUID
_KEYED_IDS = uuid.UUID("3b8f3c1e-6a55-4d2e-9f0b-51c2f7c0a9d4")


class HouseholdsIn(BaseModel):
    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_campaign(
    body: CampaignIn,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    user: SignedIn,
    idempotency_key: IdempotencyKey = None,
) -> queries.CampaignDetail:
    """Start a campaign: its households are selected and assigned at once (a page at a
    time), reminded and escalated before the holiday, and it closes after its window.
    With an ``Idempotency-Key``, a repeat answers with the same campaign."""
    offset = settings.utc_offset_minutes()
    today = (datetime.now(UTC) + timedelta(minutes=offset)).date()
    if body.window_end < today:
        raise InvalidInput("the visit window has ended already", field="window_end")
    plan = CampaignPlan(
        **body.model_dump(), centre=user.centre, created_by=user.username,
        utc_offset_minutes=offset,
    )  # fmt: skip
    campaign_id = str(uuid.uuid4())
    if idempotency_key:
        campaign_id = str(uuid.uuid5(_KEYED_IDS, f"{user.username}:{idempotency_key}"))
        if await run_in_threadpool(
            queries.campaign_exists, session=session, campaign_id=campaign_id
        ):
            return await _detail(session, campaign_id, user.centre)
    session.rollback()  # hold no connection while the workflow records the campaign
    await start_campaign(temporal, campaign_id, plan, settings.temporal_task_queue)
    return await _detail(session, campaign_id, user.centre)


async def _detail(session: Session, campaign_id: str, centre: str) -> queries.CampaignDetail:
    return await run_in_threadpool(
        queries.campaign_detail, session=session, campaign_id=campaign_id, centre=centre
    )


@router.get("")
def list_campaigns(
    session: SessionDep,
    user: SignedIn,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[queries.Campaign]:
    """The centre's campaigns, latest holiday first (of one year if given)."""
    return queries.list_campaigns(session=session, centre=user.centre, year=year)


@router.get("/years/{year}/figures")
def year_figures(
    year: Annotated[int, Path(ge=2000, le=2100)], session: SessionDep, user: SignedIn
) -> figures.YearFigures:
    """Every campaign whose holiday falls in the year, and their sums by category."""
    return figures.year_figures(session=session, centre=user.centre, year=year)


@router.get("/{campaign_id}")
def get_campaign(
    campaign_id: CampaignId, session: SessionDep, user: SignedIn
) -> queries.CampaignDetail:
    """The campaign's plan, progress, and the reminders and escalations it has sent."""
    return queries.campaign_detail(
        session=session, campaign_id=str(campaign_id), centre=user.centre
    )


@router.post("/{campaign_id}/households")
async def add_campaign_households(
    campaign_id: CampaignId,
    body: HouseholdsIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: SignedIn,
    actor: CurrentUser,
) -> HouseholdsAdded:
    """Add households (people added to the register during the window, say) to a
    running campaign; those its rule does not select are listed, not added."""
    campaign = await run_in_threadpool(
        queries.campaign_in_centre,
        session=session,
        campaign_id=str(campaign_id),
        centre=user.centre,
    )
    if campaign.closed_at is not None:
        raise CampaignClosed("the campaign is closed", field="person_ids")
    workflow_id = campaign.workflow_id
    session.rollback()
    request = AddHouseholds(person_ids=[str(p) for p in body.person_ids], actor=actor)
    return await add_households(temporal, workflow_id, request)


@router.get("/{campaign_id}/households")
def campaign_households(
    campaign_id: CampaignId,
    session: SessionDep,
    user: SignedIn,
    status_: Annotated[figures.Status | None, Query(alias="status")] = None,
    category: Annotated[SearchText | None, Query(max_length=40)] = None,
    township: Annotated[SearchText | None, Query(max_length=100)] = None,
    assignee: Annotated[SearchText | None, Query(max_length=100)] = None,
    case_opened: Annotated[
        bool | None, Query(description="Only those with (or without) a case opened on a visit")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=36)] = None,
) -> figures.HouseholdPage:
    """The households behind a figure: filter by status, category, township or
    assignee; pass ``next_cursor`` back as ``cursor`` for the next page."""
    queries.campaign_in_centre(session=session, campaign_id=str(campaign_id), centre=user.centre)
    return figures.households(
        session=session, campaign_id=str(campaign_id), status=status_, category=category,
        township=township, assignee=assignee, case_opened=case_opened, limit=limit,
        after=cursor,
    )  # fmt: skip


@router.post("/{campaign_id}/visits", status_code=status.HTTP_201_CREATED)
def record_campaign_visit(
    campaign_id: CampaignId,
    body: VisitIn,
    session: SessionDep,
    user: SignedIn,
    actor: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> Visit:
    """Record a visit to a household of the campaign: who went (the caller, other staff,
    leaders who came along), when, whether the family was reached, what was given and
    what was found. A household not reached stays open and keeps being reminded. With an
    ``Idempotency-Key``, a repeat answers with the visit recorded first."""
    visit_id = (
        str(uuid.uuid5(_KEYED_IDS, f"visit:{user.username}:{idempotency_key}"))
        if idempotency_key
        else None
    )
    visit = record_visit(
        session=session, campaign_id=str(campaign_id), centre=user.centre, visit=body,
        actor=actor, visit_id=visit_id,
    )  # fmt: skip
    session.commit()
    return visit


class NeedFound(BaseModel):
    """What the visit found that the centre should act on."""

    needs: list[Need] = Field(min_length=1, examples=[["hardship_aid"]])
    situation: LongText | None = Field(
        default=None, description="The claimant's situation; defaults to the visit's findings"
    )
    summary: LongText | None = None


@router.post("/{campaign_id}/visits/{visit_id}/case", status_code=status.HTTP_201_CREATED)
async def open_case_from_visit(
    campaign_id: CampaignId,
    visit_id: VisitId,
    body: NeedFound,
    session: SessionDep,
    session_factory: SessionFactoryDep,
    settings: SettingsDep,
    writer: StepDep,
    user: SignedIn,
    actor: CurrentUser,
    confirm_new: Annotated[
        bool, Query(description="Open it even if the person has open cases already")
    ] = False,
) -> CaseFile:
    """Open a case for the person visited, in one step: the intake is the person as the
    register holds them, the needs found, and the visit's findings as their situation,
    through the same intake as ``POST /cases`` (duplicate check included). The visit
    records the case (``case_id``); one case per visit. With an ``Idempotency-Key``, a
    repeat answers with the same case."""
    person, findings = await run_in_threadpool(
        visit_cases.person_and_findings, session=session, campaign_id=str(campaign_id),
        visit_id=str(visit_id), centre=user.centre, reader=actor,
        repeat_of=writer.new_case_id() if writer.idempotency_key else None,
    )  # fmt: skip
    intake = OpenCase(
        claimant=claimant_of(person, body.situation or findings),
        needs=body.needs,
        summary=body.summary,
        register_person_id=uuid.UUID(person.id),
        note=f"走访中发现（走访记录 {visit_id}）",
    )
    await run_in_threadpool(session.commit)  # the read of the person is journaled
    case = await api_cases.open_case(
        intake, session, session_factory, settings, writer, user, confirm_new=confirm_new
    )

    def link() -> None:
        with transaction(session_factory) as linking:
            visit_cases.link_case(
                session=linking, campaign_id=str(campaign_id), visit_id=str(visit_id),
                centre=user.centre, case_id=case.id, actor=actor,
            )  # fmt: skip

    await run_in_threadpool(link)
    return case


@router.get("/{campaign_id}/figures")
def campaign_figures(
    campaign_id: CampaignId, session: SessionDep, user: SignedIn
) -> figures.CampaignFigures:
    """Households selected, visited, not reached, not visited, and money and goods
    given, by category and township (``…/households?status=`` lists the households)."""
    queries.campaign_in_centre(session=session, campaign_id=str(campaign_id), centre=user.centre)
    return figures.campaign_figures(session=session, campaign_id=str(campaign_id))
