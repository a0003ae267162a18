"""Rules of the fee and tax relief track."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.cases.lifecycle import Stage, require_need, require_stage
from services.fee_relief.model import (
    NEED,
    PETITIONS,
    GrantPetition,
    Petition,
    PetitionStatus,
    RefusePetition,
    SubmitPetition,
)
from services.kernel.rulekit import require_status

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent


def check_submit(case: CaseFile, step: SubmitPetition, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, NEED)


def check_decide(case: CaseFile, step: GrantPetition | RefusePetition, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    petition = PETITIONS.find(case, target)
    require_status(petition.status, [PetitionStatus.SUBMITTED], "petition")


def submit(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, SubmitPetition)
    petition = Petition(
        id=PETITIONS.new_id(event),
        bureau=step.bureau,
        bureau_name=step.bureau_name,
        request=step.request,
        submitted_on=step.submitted_on,
    )
    return PETITIONS.added(case, event, petition)


def decide(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    petition = PETITIONS.find(case, event.target)
    if isinstance(step, GrantPetition):
        changes = {"status": PetitionStatus.GRANTED, "relief": step.relief, "value": step.value}
    else:
        assert isinstance(step, RefusePetition)
        changes = {"status": PetitionStatus.REFUSED, "refusal_reason": step.reason}
    return PETITIONS.replaced(case, event, petition.model_copy(update=changes))
