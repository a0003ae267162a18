"""Job referral and placement: referred → interview → offered → placed | not placed,
then retention follow-ups at 30, 90 and 180 days after the start date."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from services.cases.tracks import Items, kind_of
from services.kernel.plausible import EventDate
from services.kernel.values import Frozen, Money, Reason, ShortText, StepBase, required_when

FOLLOW_UP_DAYS = (30, 90, 180)
FollowUpDay = Literal[30, 90, 180]


class ReferralStatus(StrEnum):
    REFERRED = "referred"
    INTERVIEWING = "interviewing"
    OFFERED = "offered"
    PLACED = "placed"
    NOT_PLACED = "not_placed"


class FollowUpStatus(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    EMPLOYED = "employed"
    LEFT = "left"
    CANCELLED = "cancelled"


class FollowUp(Frozen):
    day: int
    due_on: date
    status: FollowUpStatus = FollowUpStatus.SCHEDULED
    recorded_at: datetime | None = None
    reason: str | None = None


class Referral(Frozen):
    id: str
    employer: str
    position: str
    referred_on: date
    status: ReferralStatus = ReferralStatus.REFERRED
    interview_on: date | None = None
    offered_wage: Money | None = None
    starts_on: date | None = None
    monthly_wage: Money | None = None
    not_placed_reason: str | None = None
    follow_ups: list[FollowUp] = Field(default_factory=list)


class ReferToJob(StepBase):
    kind: Literal["job_referred"] = "job_referred"
    employer: ShortText
    position: ShortText
    referred_on: EventDate


class RecordInterview(StepBase):
    kind: Literal["interview_recorded"] = "interview_recorded"
    interview_on: EventDate


class RecordOffer(StepBase):
    kind: Literal["offer_recorded"] = "offer_recorded"
    monthly_wage: Money | None = None


class RecordPlacement(StepBase):
    kind: Literal["placement_recorded"] = "placement_recorded"
    starts_on: EventDate
    monthly_wage: Money


class RecordNotPlaced(StepBase):
    kind: Literal["not_placed"] = "not_placed"
    reason: Reason


class FollowUpDue(StepBase):
    """Recorded by the case itself when a follow-up's day comes."""

    kind: Literal["follow_up_due"] = "follow_up_due"
    day: FollowUpDay


class RecordFollowUp(StepBase):
    model_config = ConfigDict(json_schema_extra=required_when("still_employed", False, "reason"))

    kind: Literal["follow_up_recorded"] = "follow_up_recorded"
    day: FollowUpDay
    still_employed: bool
    reason: Reason | None = Field(
        default=None, description="Required when no longer employed", validate_default=True
    )

    @field_validator("reason")
    @classmethod
    def _reason_when_left(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("still_employed") is False and not reason:
            raise ValueError("reason is required when the person has left the job")
        return reason


NEED = "job_referral"
REFERRALS = Items(field="referrals", prefix="R", model=Referral, name="referral")
JOB_REFERRED = kind_of(ReferToJob)
INTERVIEW_RECORDED = kind_of(RecordInterview)
OFFER_RECORDED = kind_of(RecordOffer)
PLACEMENT_RECORDED = kind_of(RecordPlacement)
NOT_PLACED = kind_of(RecordNotPlaced)
FOLLOW_UP_DUE = kind_of(FollowUpDue)
FOLLOW_UP_RECORDED = kind_of(RecordFollowUp)
