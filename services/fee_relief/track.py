"""Fee and tax relief (工商、税务 减收免收), declared for the registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from services.cases.tracks import OpenTask, Routes, StepRoute, StepRule, TrackSpec, morning_of
from services.fee_relief import rules
from services.fee_relief.model import (
    NEED,
    PETITION_GRANTED,
    PETITIONS,
    GrantPetition,
    Petition,
    PetitionStatus,
    RefusePetition,
    SubmitPetition,
)
from services.kernel.actors import Role
from services.reports.figures import Figure

if TYPE_CHECKING:
    from services.cases.model import CaseFile

CHASE_PETITION = "chase_petition"


def _petitions_waiting(case: CaseFile) -> Iterable[OpenTask]:
    """A petition waits on the bureau's decision, which its owner chases (no clock)."""
    return (
        OpenTask(
            kind=CHASE_PETITION,
            target=petition.id,
            assignee=case.owner,
            role=Role.STAFF,
            since=morning_of(petition.submitted_on),
        )
        for petition in PETITIONS.of(case)
        if petition.status is PetitionStatus.SUBMITTED
    )


def _unfinished(petitions: Sequence[Petition]) -> list[str]:
    return [f"petition {p.id}" for p in petitions if p.status is PetitionStatus.SUBMITTED]


TRACK = TrackSpec(
    need=NEED,
    items=PETITIONS,
    routes=Routes(segment="fee-relief", tag="fee relief"),
    steps=(
        StepRule(
            SubmitPetition,
            rules.check_submit,
            rules.submit,
            route=StepRoute(
                "submit_petition",
                "Petition a bureau for reduced or waived fees; ``Location`` names the petition.",
            ),
        ),
        StepRule(
            GrantPetition,
            rules.check_decide,
            rules.decide,
            route=StepRoute(
                "grant_petition",
                "The bureau granted relief: what was reduced or waived, and its value.",
                "grant",
            ),
        ),
        StepRule(
            RefusePetition,
            rules.check_decide,
            rules.decide,
            route=StepRoute("refuse_petition", "The bureau refused, with the reason.", "refusal"),
        ),
    ),
    success=PetitionStatus.GRANTED,
    open_items=_unfinished,
    task_kinds=(CHASE_PETITION,),
    tasks=_petitions_waiting,
    figures=(Figure("fee_relief_granted", PETITION_GRANTED, amount="value"),),
    sealed=("request", "relief", "refusal_reason"),
)
