"""Corrections of the claimant's details (a new phone, a mistyped ID number), with a reason.

The step carries what was corrected (``claimant``: the fields given change) and, set by
the case as it records the step, what those fields held before (``previous``): the
timeline keeps both, their personal fields sealed like the intake's. The case row's
search columns and duplicate keys follow from the corrected claimant (the projection).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from services.cases.lifecycle import OPEN_STAGES, require_stage
from services.cases.model import Claimant, HouseholdMember, NationalId, Phone
from services.kernel.errors import StepRejected
from services.kernel.rulekit import stamp
from services.kernel.values import Frozen, LongText, Reason, ShortText, StepBase

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

CLAIMANT_CORRECTED = "claimant_corrected"
Clearable = Literal["national_id", "birth_date", "phone", "address", "situation", "household"]


class ClaimantDetails(Frozen):
    """Claimant fields to correct: those given (not null) change."""

    name: ShortText | None = None
    national_id: NationalId | None = None
    birth_date: date | None = None
    phone: Phone | None = None
    address: LongText | None = None
    household: list[HouseholdMember] | None = Field(default=None, max_length=30)
    situation: LongText | None = None
    erased: list[str] = Field(
        default_factory=list,
        description="Fields erased with the case's key (set on reads; ignored on input)",
    )

    def given(self) -> dict[str, object]:
        """The fields given a value (what a correction changes)."""
        return {
            name: getattr(self, name)
            for name in self.model_dump(exclude_none=True)
            if name != "erased"
        }


class CorrectClaimant(StepBase):
    """Correct the claimant's details; the old values stay on the timeline."""

    kind: Literal["claimant_corrected"] = "claimant_corrected"
    claimant: ClaimantDetails = Field(description="The fields that change, with their new value")
    cleared: list[Clearable] = Field(
        default_factory=list, description="Fields that become empty", max_length=6
    )
    reason: Reason
    previous: ClaimantDetails | None = Field(
        default=None, description="What the fields held before: set by the case, ignored on input"
    )

    @model_validator(mode="after")
    def _changes_something(self) -> CorrectClaimant:
        given = self.claimant.given()
        if not given and not self.cleared:
            raise ValueError("name at least one field to correct or clear")
        if set(given) & set(self.cleared):
            raise ValueError("a field cannot be both corrected and cleared")
        return self


def changed_fields(step: CorrectClaimant) -> list[str]:
    return sorted({*step.claimant.given(), *step.cleared})


def corrected(claimant: Claimant, step: CorrectClaimant) -> Claimant:
    """The claimant as the correction leaves it."""
    changes = step.claimant.given()
    changes |= {name: [] if name == "household" else None for name in step.cleared}
    return claimant.model_copy(update=changes)


def with_previous(case: CaseFile, step: CorrectClaimant) -> CorrectClaimant:
    """The step with what its fields held before it (what the timeline keeps)."""
    before = {name: getattr(case.claimant, name) for name in changed_fields(step)}
    previous = ClaimantDetails.model_validate(
        {name: value for name, value in before.items() if value not in (None, [])}
    )
    return step.model_copy(update={"previous": previous})


def check_correction(case: CaseFile, step: CorrectClaimant, target: str | None) -> None:
    # A closed case is corrected after reopening it; a withdrawn or erased one not at all.
    require_stage(case, *OPEN_STAGES)
    if case.claimant.erased:
        raise StepRejected("the claimant's details were erased", code="erased")
    if corrected(case.claimant, step) == case.claimant:
        raise StepRejected("the claimant's details are like this already", code="no_change")


def correct_claimant(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, CorrectClaimant)
    return stamp(case, event, claimant=corrected(case.claimant, step))
