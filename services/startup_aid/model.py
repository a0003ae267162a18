"""Start-up aid: applied → approved (amount) | refused → disbursed."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from services.cases.tracks import Items, kind_of
from services.kernel.plausible import EventDate
from services.kernel.values import Frozen, LongText, Money, Reason, StepBase


class StartupStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REFUSED = "refused"
    DISBURSED = "disbursed"


class StartupApplication(Frozen):
    id: str
    plan: str
    amount_requested: Money
    status: StartupStatus = StartupStatus.APPLIED
    amount_approved: Money | None = None
    refusal_reason: str | None = None
    amount_disbursed: Money | None = None
    disbursed_on: date | None = None


class ApplyStartupAid(StepBase):
    kind: Literal["startup_applied"] = "startup_applied"
    plan: LongText
    amount_requested: Money


class ApproveStartupAid(StepBase):
    kind: Literal["startup_approved"] = "startup_approved"
    amount_approved: Money


class RefuseStartupAid(StepBase):
    kind: Literal["startup_refused"] = "startup_refused"
    reason: Reason


class DisburseStartupAid(StepBase):
    kind: Literal["startup_disbursed"] = "startup_disbursed"
    amount: Money
    disbursed_on: EventDate


NEED = "startup_aid"
APPLICATIONS = Items(field="startup_aid", prefix="S", model=StartupApplication, name="application")
STARTUP_APPLIED = kind_of(ApplyStartupAid)
STARTUP_APPROVED = kind_of(ApproveStartupAid)
STARTUP_REFUSED = kind_of(RefuseStartupAid)
STARTUP_DISBURSED = kind_of(DisburseStartupAid)
