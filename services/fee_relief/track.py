"""Fee and tax relief (工商、税务 减收免收), declared for the registry."""

from __future__ import annotations

from collections.abc import Sequence

from services.cases.tracks import Routes, StepRoute, StepRule, TrackSpec
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
from services.reports.figures import Figure


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
    figures=(Figure("fee_relief_granted", PETITION_GRANTED, amount="value"),),
    sealed=("request", "relief", "refusal_reason"),
)
