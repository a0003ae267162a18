"""Steps people take on a case, and the events that record them once accepted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, Union

from pydantic import ConfigDict, Field, field_validator

from services.cases.corrections import CorrectClaimant
from services.cases.evidence import RecordEvidence
from services.cases.lifecycle import CaseOutcome
from services.cases.model import Claimant, Need
from services.cases.notes import AddNote
from services.cases.registry import TRACKS
from services.cases.tracks import kind_of
from services.deadlines.clocks import Clock
from services.kernel.actors import Actor
from services.kernel.values import Frozen, LongText, Reason, ShortText, StepBase, required_when


class OpenCase(StepBase):
    """Intake: the claimant and what they need."""

    kind: Literal["case_opened"] = "case_opened"
    claimant: Claimant
    needs: list[Need] = Field(min_length=1, examples=[["job_referral"]])
    centre: ShortText | None = Field(default=None, description="Defaults to this deployment's")
    summary: LongText | None = None
    priority: bool | None = Field(default=None, description="Defaults to true with legal_aid")
    number: str | None = Field(
        default=None, description="The case number, given as the case opens; ignored on input"
    )
    register_person_id: uuid.UUID | None = Field(
        default=None,
        description="The person of the register the case is for; intake finds or adds them "
        "when not given",
    )
    township: ShortText | None = Field(
        default=None,
        max_length=100,
        description="Where the person lives: used to add them to the register if they are "
        "not in it",
        examples=["城关镇"],
    )

    @field_validator("needs")
    @classmethod
    def _distinct(cls, needs: list[Need]) -> list[Need]:
        return list(dict.fromkeys(needs))


class StartAssessment(StepBase):
    kind: Literal["assessment_started"] = "assessment_started"


class DecideEligibility(StepBase):
    model_config = ConfigDict(json_schema_extra=required_when("accepted", False, "reason"))

    kind: Literal["eligibility_decided"] = "eligibility_decided"
    accepted: bool
    reason: Reason | None = Field(default=None, description="Required when not accepted")


class AddNeed(StepBase):
    kind: Literal["need_added"] = "need_added"
    need: Need


class AssignLawyer(StepBase):
    kind: Literal["lawyer_assigned"] = "lawyer_assigned"
    lawyer: ShortText = Field(description="User id of the lawyer")


class ReassignCase(StepBase):
    """A supervisor hands the case to another staff member, who becomes its owner."""

    kind: Literal["case_reassigned"] = "case_reassigned"
    owner: ShortText = Field(description="User id of the staff member who takes the case")
    reason: Reason | None = None


class CloseCase(StepBase):
    kind: Literal["case_closed"] = "case_closed"
    outcome: CaseOutcome = CaseOutcome.SERVED
    reason: Reason | None = Field(
        default=None,
        description="Why; required when any track or legal matter is still open",
        examples=["Placed in a job and follow-ups done"],
    )


class WithdrawCase(StepBase):
    kind: Literal["case_withdrawn"] = "case_withdrawn"
    reason: Reason


class ReopenCase(StepBase):
    kind: Literal["case_reopened"] = "case_reopened"
    reason: Reason


class PauseClock(StepBase):
    """Stop a deadline's clock (e.g. waiting on the claimant); the target is the clock id."""

    kind: Literal["clock_paused"] = "clock_paused"
    reason: Reason


class ResumeClock(StepBase):
    """Restart a paused clock: its due time moves by the time it was paused."""

    kind: Literal["clock_resumed"] = "clock_resumed"


class ClockAlarm(StepBase):
    """Recorded by the case itself when a clock warns or climbs its escalation ladder."""

    kind: Literal["clock_alarm"] = "clock_alarm"


CASE_STEPS: tuple[type[StepBase], ...] = (
    OpenCase,
    StartAssessment,
    DecideEligibility,
    AddNeed,
    AssignLawyer,
    ReassignCase,
    CloseCase,
    WithdrawCase,
    ReopenCase,
    PauseClock,
    ResumeClock,
    ClockAlarm,
    AddNote,
    CorrectClaimant,
    RecordEvidence,
)
CASE_OPENED = kind_of(OpenCase)
ASSESSMENT_STARTED = kind_of(StartAssessment)
ELIGIBILITY_DECIDED = kind_of(DecideEligibility)
NEED_ADDED = kind_of(AddNeed)
LAWYER_ASSIGNED = kind_of(AssignLawyer)
CASE_REASSIGNED = kind_of(ReassignCase)
CASE_CLOSED = kind_of(CloseCase)
CASE_WITHDRAWN = kind_of(WithdrawCase)
CASE_REOPENED = kind_of(ReopenCase)
CLOCK_PAUSED = kind_of(PauseClock)
CLOCK_RESUMED = kind_of(ResumeClock)
CLOCK_ALARM = kind_of(ClockAlarm)

# Any step of the case, the case's own first, then each track's in the registry's order.
# Type checkers see the base every step shares (``kind`` narrowed to a literal by each).
if TYPE_CHECKING:
    Step: TypeAlias = StepBase
else:
    Step = Annotated[
        Union[(*CASE_STEPS, *(rule.step for track in TRACKS for rule in track.steps))],
        Field(discriminator="kind"),
    ]


class CaseEvent(Frozen):
    """One accepted step, numbered in the case's own sequence."""

    case_id: str
    seq: int = Field(ge=1)
    at: datetime
    actor: Actor
    target: str | None = Field(default=None, description="The item the step acts on, e.g. R7")
    step: Step
    clocks: list[Clock] = Field(
        default_factory=list, description="Deadline clocks this step started or changed"
    )

    @property
    def type(self) -> str:
        return self.step.kind


class CaseEventBatch(Frozen):
    """What the workflow hands to the projection: its new events, not the case.

    The projection folds them onto the case the read model holds; a batch that carried
    the case would add the whole case to the case's history at every step.
    """

    case_id: str
    events: list[CaseEvent]
    # Sent again after a failure: the case's failure record goes once it is projected.
    after_failure: bool = False
