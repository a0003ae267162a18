"""The case workflow's face: its start input, update and query models (what api/ imports)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.cases.model import Actor, CaseFile
from services.cases.steps import CaseEvent, Step

CASE_WORKFLOW = "Case"
APPLY_STEP = "apply_step"


class CarriedCase(BaseModel):
    """State handed from one run to the next across continue-as-new."""

    case: CaseFile
    events: list[CaseEvent]
    projected_seq: int


class CaseStart(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    carried: CarriedCase | None = None


class StepRequest(BaseModel):
    """One human step; ``actor`` comes from the caller's identity."""

    model_config = ConfigDict(frozen=True)

    step: Step
    actor: Actor
