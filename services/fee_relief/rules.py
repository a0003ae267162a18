"""Rules of the fee and tax relief track."""

from __future__ import annotations

from services.cases.lifecycle import Stage, require_need, require_stage
from services.cases.model import CaseFile, Need
from services.cases.steps import CaseEvent
from services.fee_relief.model import (
    GrantPetition,
    Petition,
    PetitionStatus,
    RefusePetition,
    SubmitPetition,
)
from services.kernel.rulekit import Rules, find, item_id, replaced, require_status, stamp

PREFIX = "P"


def check_submit(case: CaseFile, step: SubmitPetition, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, Need.FEE_RELIEF)


def check_decide(case: CaseFile, step: GrantPetition | RefusePetition, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    petition = find(case.petitions, target, "petition")
    require_status(petition.status, [PetitionStatus.SUBMITTED], "petition")


def submit(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, SubmitPetition)
    petition = Petition(
        id=item_id(PREFIX, event),
        bureau=step.bureau,
        bureau_name=step.bureau_name,
        request=step.request,
        submitted_on=step.submitted_on,
    )
    return stamp(case, event, petitions=[*case.petitions, petition])


def decide(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    petition = find(case.petitions, event.target, "petition")
    if isinstance(step, GrantPetition):
        changes = {"status": PetitionStatus.GRANTED, "relief": step.relief, "value": step.value}
    else:
        assert isinstance(step, RefusePetition)
        changes = {"status": PetitionStatus.REFUSED, "refusal_reason": step.reason}
    updated = petition.model_copy(update=changes)
    return stamp(case, event, petitions=replaced(case.petitions, updated))


RULES: Rules = {
    SubmitPetition: (check_submit, submit),
    GrantPetition: (check_decide, decide),
    RefusePetition: (check_decide, decide),
}
