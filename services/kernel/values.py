"""Value types shared by every domain: bounded text, money, moments, the step base."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


def as_utc(moment: datetime) -> datetime:
    """A time without an offset is read as UTC rather than refused."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


Moment = Annotated[datetime, AfterValidator(as_utc)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepBase(Frozen):
    if TYPE_CHECKING:
        kind: str  # each step narrows it to the literal kind of the event it records

    note: LongText | None = Field(default=None, description="Optional free-text note")
    late_reason: Reason | None = Field(
        default=None, description="Why, when this step comes after its deadline has passed"
    )
