"""Fee and tax relief: petitions to a bureau → submitted → granted | refused."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from services.cases.tracks import Items, kind_of
from services.kernel.plausible import EventDate
from services.kernel.values import (
    Frozen,
    LongText,
    Money,
    Reason,
    ShortText,
    StepBase,
    required_when,
)


class Bureau(StrEnum):
    MARKET_REGULATION = "market_regulation"
    TAX = "tax"
    OTHER = "other"


class PetitionStatus(StrEnum):
    SUBMITTED = "submitted"
    GRANTED = "granted"
    REFUSED = "refused"


class Petition(Frozen):
    id: str
    bureau: Bureau
    bureau_name: str | None = None
    request: str
    submitted_on: date
    status: PetitionStatus = PetitionStatus.SUBMITTED
    relief: str | None = None
    value: Money | None = None
    refusal_reason: str | None = None


class SubmitPetition(StepBase):
    model_config = ConfigDict(json_schema_extra=required_when("bureau", "other", "bureau_name"))

    kind: Literal["petition_submitted"] = "petition_submitted"
    bureau: Bureau
    bureau_name: ShortText | None = Field(default=None, validate_default=True)
    request: LongText
    submitted_on: EventDate

    @field_validator("bureau_name")
    @classmethod
    def _name_other_bureaus(cls, name: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("bureau") is Bureau.OTHER and not name:
            raise ValueError("bureau_name is required when bureau is 'other'")
        return name


class GrantPetition(StepBase):
    kind: Literal["petition_granted"] = "petition_granted"
    relief: LongText
    value: Money | None = None


class RefusePetition(StepBase):
    kind: Literal["petition_refused"] = "petition_refused"
    reason: Reason


NEED = "fee_relief"
PETITIONS = Items(field="petitions", prefix="P", model=Petition, name="petition")
PETITION_SUBMITTED = kind_of(SubmitPetition)
PETITION_GRANTED = kind_of(GrantPetition)
PETITION_REFUSED = kind_of(RefusePetition)
