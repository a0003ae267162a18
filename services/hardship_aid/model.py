"""Hardship assistance (困难帮扶): a family in difficulty asks the centre's assistance fund
for help; the centre grants an amount or refuses with a reason, then pays the grant out,
in one or more payments that never exceed it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field

from services.cases.tracks import Items, kind_of
from services.kernel.plausible import EventDate
from services.kernel.values import Frozen, LongText, Money, Reason, StepBase


class Difficulty(StrEnum):
    LIVING = "living"
    MEDICAL = "medical"
    EDUCATION = "education"
    HOUSING = "housing"
    OTHER = "other"


class HardshipStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"
    PAID = "paid"  # the whole grant paid out


class Payment(Frozen):
    amount: Money
    paid_on: date
    recorded_at: datetime


class HardshipRequest(Frozen):
    id: str
    difficulty: Difficulty
    situation: str | None = Field(default=None, description="Personal data: sealed at rest")
    amount_requested: Money
    status: HardshipStatus = HardshipStatus.REQUESTED
    amount_granted: Money | None = None
    refusal_reason: str | None = None
    payments: list[Payment] = Field(default_factory=list)
    requested_at: datetime
    decided_at: datetime | None = None

    @property
    def amount_paid(self) -> Decimal:
        return sum((payment.amount for payment in self.payments), Decimal(0))


class RequestHardshipAid(StepBase):
    kind: Literal["hardship_requested"] = "hardship_requested"
    difficulty: Difficulty
    situation: LongText | None = Field(
        default=None,
        description="The family's situation, in the staff's words (personal data: sealed)",
    )
    amount_requested: Money


class GrantHardshipAid(StepBase):
    kind: Literal["hardship_granted"] = "hardship_granted"
    amount_granted: Money = Field(description="From the centre's assistance fund")


class RefuseHardshipAid(StepBase):
    kind: Literal["hardship_refused"] = "hardship_refused"
    reason: Reason


class PayHardshipAid(StepBase):
    kind: Literal["hardship_paid"] = "hardship_paid"
    amount: Money = Field(description="Paid out now; all payments together at most the grant")
    paid_on: EventDate


NEED = "hardship_aid"
REQUESTS = Items(field="hardship_aid", prefix="H", model=HardshipRequest, name="request")
HARDSHIP_REQUESTED = kind_of(RequestHardshipAid)
HARDSHIP_GRANTED = kind_of(GrantHardshipAid)
HARDSHIP_REFUSED = kind_of(RefuseHardshipAid)
HARDSHIP_PAID = kind_of(PayHardshipAid)
