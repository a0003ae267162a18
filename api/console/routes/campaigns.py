"""Pages of the holiday visits: the campaigns, one campaign with its figures and
households, and the form that records a visit, which posts through the JSON API's own
route function (``POST /campaigns/{campaign_id}/visits``), with its checks and journal."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.console.errors import problem_of
from api.console.forms import idempotency_key
from api.console.messages import field_message, problem_message
from api.console.pages import may, render
from api.deps import SessionDep, SettingsDep
from api.policy import CurrentUser, SignedIn
from api.routers import campaigns as api_campaigns
from services.campaigns import figures, queries
from services.campaigns.visits import VisitIn
from services.kernel.actors import Actor
from services.register import people
from services.register.model import Category
from services.users.model import User

router = APIRouter(prefix="/console/campaigns", include_in_schema=False)
PAGE_SIZE = 50
VISIT_FIELDS = ("visited_on", "reached", "cash", "goods", "visitors", "leaders", "findings")
RECORD_VISIT = "/campaigns/{campaign_id}/visits"  # the API route the form posts through
_SPLIT = re.compile(r"[\s,，、]+")


@router.get("")
def campaign_list(request: Request, session: SessionDep, user: SignedIn) -> HTMLResponse:
    """The centre's campaigns, latest holiday first."""
    campaigns = queries.list_campaigns(session=session, centre=user.centre)
    return render(request, "campaigns.html", user=user, campaigns=campaigns)


@router.get("/{campaign_id}")
def campaign_page(
    request: Request,
    campaign_id: uuid.UUID,
    session: SessionDep,
    user: SignedIn,
    status: figures.Status | None = None,
    cursor: Annotated[str | None, Query(max_length=36)] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """One campaign: its plan, its figures by category and township, the households
    (by status), each with the form to record a visit to it."""
    campaign = queries.campaign_detail(
        session=session, campaign_id=str(campaign_id), centre=user.centre
    )
    counted = figures.campaign_figures(session=session, campaign_id=campaign.id)
    households = figures.households(
        session=session, campaign_id=campaign.id, status=status, limit=PAGE_SIZE, after=cursor
    )
    return render(
        request,
        "campaign.html",
        user=user,
        here="/console/campaigns",
        campaign=campaign,
        figures=counted,
        households=households,
        status=status,
        statuses=list(figures.Status),
        categories={category.value: category for category in Category},
        may_record=may(user, "GET", "/console/campaigns/{campaign_id}/visits/new")
        and campaign.closed_at is None,
        done=done == "visit",
    )


@router.get("/{campaign_id}/visits/new")
def visit_form(
    request: Request,
    campaign_id: uuid.UUID,
    person_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
) -> HTMLResponse:
    """The form to record a visit to one household, with the campaign's standard gift."""
    campaign = queries.campaign_detail(
        session=session, campaign_id=str(campaign_id), centre=user.centre
    )
    gift = campaign.plan.gift
    today = datetime.now(UTC) + timedelta(minutes=settings.utc_offset_minutes())
    values = {
        "person_id": str(person_id),
        "visited_on": today.date().isoformat(),
        "reached": "true",
        "cash": str(gift.cash) if gift.cash else "",
        "goods": "\n".join(f"{item.name} {item.value}" for item in gift.goods),
    }
    return _show(request, session, user, campaign, values, errors={})


def _show(
    request: Request,
    session: Any,
    user: User,
    campaign: queries.CampaignDetail,
    values: dict[str, str],
    *,
    errors: dict[str, str],
    problem: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    person_id = values.get("person_id", "")
    person = people.stored_person(session=session, person_id=person_id, centre=user.centre)
    return render(
        request,
        "visit_form.html",
        user=user,
        here="/console/campaigns",
        status_code=status_code,
        campaign=campaign,
        person_name=person.name,
        values=values,
        errors=errors,
        problem=problem,
        idempotency_key=values.get("idempotency_key") or uuid.uuid4().hex,
    )


@router.post("/{campaign_id}/visits")
async def record_visit(
    request: Request,
    campaign_id: uuid.UUID,
    session: SessionDep,
    user: SignedIn,
    actor: CurrentUser,
) -> Response:
    """Record the visit through the JSON API's route; errors show beside their fields."""
    form = await request.form()
    values = {key: value.strip() for key, value in form.items() if isinstance(value, str)}
    campaign = await run_in_threadpool(
        queries.campaign_detail, session=session, campaign_id=str(campaign_id), centre=user.centre
    )
    try:
        body = _visit_in(values)
        await run_in_threadpool(
            api_campaigns.record_campaign_visit,
            campaign_id, body, session, user, Actor(id=actor.id, role=actor.role),
            idempotency_key(values),
        )  # fmt: skip
    except ValidationError as invalid:
        errors = {_field(error["loc"]): field_message(error) for error in invalid.errors()}
        return _show(
            request, session, user, campaign, values, errors=errors,
            problem={"code": "validation_error"}, status_code=422,
        )  # fmt: skip
    except Exception as refused:
        problem = await problem_of(request, refused)
        if problem["status"] >= 500:
            raise
        session.rollback()
        errors = {e["field"]: problem_message(problem["code"]) for e in problem["errors"]}
        return _show(
            request, session, user, campaign, values, errors=errors, problem=problem,
            status_code=problem["status"],
        )  # fmt: skip
    return RedirectResponse(f"/console/campaigns/{campaign_id}?done=visit", status_code=303)


def _visit_in(values: dict[str, str]) -> VisitIn:
    """The form as the API's body: goods and leaders one a line, visitors by name."""
    body: dict[str, Any] = {
        key: values[key] for key in ("person_id", "visited_on", "reached", "cash", "findings")
    } | {"reached": values.get("reached", "")}
    body = {key: value for key, value in body.items() if value}
    body["goods"] = [_pair(line, "name", "value") for line in _lines(values.get("goods"))]
    body["leaders"] = [_pair(line, "name", "title") for line in _lines(values.get("leaders"))]
    body["visitors"] = [name for name in _SPLIT.split(values.get("visitors", "")) if name]
    return VisitIn.model_validate(body)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _pair(line: str, first: str, second: str) -> dict[str, str]:
    """「大米 120」→ name and value; the last word is the second part, if there are two."""
    head, _, tail = line.rpartition(" ")
    return {first: head.strip(), second: tail} if head.strip() else {first: line}


def _field(location: tuple[Any, ...]) -> str:
    """The form's field of an error: ``goods.0.value`` is the goods box."""
    return str(location[0]) if location else ""
