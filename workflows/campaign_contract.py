"""The campaign workflow's face: its start input, result, updates and query (what api/
and the CLI import)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.campaigns.figures import CampaignFigures
from services.campaigns.model import CampaignPlan, SeriesPlan

CAMPAIGN_WORKFLOW = "Campaign"
SELECT_PAGE = 1_000  # households per selection activity


class CarriedCampaign(BaseModel):
    """State handed from one run to the next across continue-as-new: small, whatever the
    number of households (they are in the database, not in the workflow)."""

    campaign_id: str
    plan: CampaignPlan
    opened_at: datetime
    cursor: str | None
    selection_done: bool
    selected: int
    rungs_done: int


class CampaignStart(BaseModel):
    """A campaign by hand (``campaign_id`` and ``plan``), a yearly one a schedule starts
    (``series``: the plan is made for the coming holiday), or a continued run."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str | None = None
    plan: CampaignPlan | None = None
    series: SeriesPlan | None = None
    schedule_id: str | None = Field(default=None, description="Kept ahead by each run")
    carried: CarriedCampaign | None = None
    page_size: int = Field(default=SELECT_PAGE, gt=0, le=5_000)

    @model_validator(mode="after")
    def _one_source(self) -> CampaignStart:
        sources = [self.plan is not None, self.series is not None, self.carried is not None]
        if sum(sources) != 1:
            raise ValueError("give one of plan, series or carried")
        return self


class CampaignResult(BaseModel):
    """The campaign's final figures; or, for a run that found this holiday's campaign
    opened already, which workflow has it."""

    campaign_id: str
    figures: CampaignFigures | None = None
    duplicate_of: str | None = None


class CampaignProgress(BaseModel):
    campaign_id: str | None
    selected: int
    selection_done: bool
    rungs_done: int
    closing: bool
