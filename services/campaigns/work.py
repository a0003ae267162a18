"""What the campaign workflow hands its activities and gets back: pure models, no I/O."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from services.campaigns.model import CampaignPlan
from services.kernel.actors import Actor
from services.kernel.values import Frozen


class OpenCampaign(Frozen):
    campaign_id: str
    plan: CampaignPlan
    workflow_id: str
    at: datetime


class Opened(Frozen):
    """The campaign as recorded; another ``campaign_id`` means this holiday's campaign
    was opened already (by an earlier run or trigger), and this run has nothing to do."""

    campaign_id: str
    workflow_id: str


class SelectPage(Frozen):
    campaign_id: str
    after_person_id: str | None
    limit: int = Field(gt=0, le=5_000)
    at: datetime


class SelectedPage(Frozen):
    assigned: int
    last_person_id: str | None
    done: bool


class AddHouseholds(Frozen):
    """Households of the register added to a running campaign (by staff)."""

    person_ids: list[str] = Field(min_length=1, max_length=500)
    actor: Actor


class AddToCampaign(Frozen):
    campaign_id: str
    request: AddHouseholds
    at: datetime


class HouseholdsAdded(Frozen):
    added: list[str] = Field(default_factory=list)
    already: list[str] = Field(default_factory=list, description="In the campaign already")
    not_selected: list[str] = Field(
        default_factory=list,
        description="Not in the centre's register, erased, or not matched by the campaign's rule",
    )


class SoundRung(Frozen):
    campaign_id: str
    rung: int = Field(ge=0, le=2)
    at: datetime


class RungSounded(Frozen):
    rung: int
    outstanding: int = Field(description="Households not visited yet, raised to this rung")
    notices: int


class CloseCampaign(Frozen):
    campaign_id: str
    at: datetime
