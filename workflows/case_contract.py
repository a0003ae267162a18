"""The case workflow's face: its start input, update and query models (what api/ imports)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.cases.model import CaseFile
from services.cases.steps import CaseEvent, Step
from services.deadlines.clocks import DeadlineRules
from services.kernel.actors import Actor
from services.legal_aid.model import LegalMatter
from services.notify.model import Notification
from workflows.idempotency import AppliedKey

CASE_WORKFLOW = "Case"
LEGAL_MATTER_WORKFLOW = "LegalMatter"


class CarriedCase(BaseModel):
    """State handed from one run to the next across continue-as-new."""

    case: CaseFile
    events: list[CaseEvent] = Field(description="Only those not projected yet")
    projected_seq: int
    matters_started: list[str] = Field(default_factory=list)
    matters_to_sync: list[str] = Field(default_factory=list)
    applied_keys: list[AppliedKey] = Field(default_factory=list)
    to_notify: list[Notification] = Field(default_factory=list)


class CaseStart(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    carried: CarriedCase | None = None
    # The calendar and policy in force, when the starter has them (the API does): the
    # run then needs no activity to load them before its first step.
    rules: DeadlineRules | None = None


class StepRequest(BaseModel):
    """One step; ``actor`` comes from the caller's identity, ``target`` from the URL.

    With ``idempotency_key``, a repeat with the same ``fingerprint`` (a digest of the
    request) returns the first result instead of applying the step again. With
    ``expected_version``, the step is refused unless the case is still at that version.
    """

    model_config = ConfigDict(frozen=True)

    step: Step
    actor: Actor
    target: str | None = None
    idempotency_key: str | None = None
    fingerprint: str | None = None
    expected_version: int | None = None


class StepResult(BaseModel):
    """The step's sequence number and the case's version once it is recorded and projected.

    Not the case itself: every update result stays in the case's history, and the read
    model already holds the case when the update returns.
    """

    seq: int
    version: int
    # False when the projection failed (the case is stuck): recorded, not yet readable.
    projected: bool = True
    # The fingerprint of the request that made the step: a repeat of an update id (the
    # caller and its idempotency key) is answered with the first result, and the caller
    # compares it with its own to tell a repeat from a key reused for another request.
    fingerprint: str | None = None


class ProjectionRetry(BaseModel):
    """Whether the case's events reached the read model when projected again; if not, why."""

    projected: bool
    error: str | None = None


class MatterSnapshot(BaseModel):
    """The case's view of one legal matter after the case event ``seq``."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    seq: int
    lawyer: str | None
    matter: LegalMatter
