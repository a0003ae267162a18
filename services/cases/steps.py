"""Steps people take on a case, and the events that record them once accepted."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator

from services.cases.model import (
    Actor,
    CaseFile,
    CaseOutcome,
    Claimant,
    Frozen,
    LongText,
    Need,
    Reason,
    Role,
    ShortText,
)


class StepBase(Frozen):
    note: LongText | None = Field(default=None, description="Optional free-text note")


class OpenCase(StepBase):
    """Intake: the claimant and what they need."""

    kind: Literal["case_opened"] = "case_opened"
    claimant: Claimant
    needs: list[Need] = Field(min_length=1, examples=[["job_referral"]])
    centre: ShortText | None = Field(default=None, description="Defaults to this deployment's")
    summary: LongText | None = None
    priority: bool | None = Field(default=None, description="Defaults to true with legal_aid")

    @field_validator("needs")
    @classmethod
    def _distinct(cls, needs: list[Need]) -> list[Need]:
        return list(dict.fromkeys(needs))


class CloseCase(StepBase):
    kind: Literal["case_closed"] = "case_closed"
    outcome: CaseOutcome = CaseOutcome.SERVED
    reason: Reason = Field(examples=["Placed in a job and follow-ups done"])


Step = Annotated[OpenCase | CloseCase, Field(discriminator="kind")]


class CaseEvent(Frozen):
    """One accepted step, numbered in the case's own sequence."""

    case_id: str
    seq: int = Field(ge=1)
    at: datetime
    actor: Actor
    step: Step

    @property
    def type(self) -> str:
        return self.step.kind


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM)


class CaseEventBatch(Frozen):
    """What the workflow hands to the projection: new events and the case after them."""

    case: CaseFile
    events: list[CaseEvent]
