"""Vocational training (职业培训), declared for the registry."""

from __future__ import annotations

from collections.abc import Sequence

from services.cases.tracks import Routes, StepRoute, StepRule, TrackSpec
from services.reports.figures import Figure
from services.training import rules
from services.training.model import (
    ENROLMENTS,
    NEED,
    TRAINING_COMPLETED,
    CompleteTraining,
    DropTraining,
    Enrolment,
    EnrolTraining,
    TrainingStatus,
)


def _unfinished(enrolments: Sequence[Enrolment]) -> list[str]:
    return [f"enrolment {e.id}" for e in enrolments if e.status is TrainingStatus.ENROLLED]


TRACK = TrackSpec(
    need=NEED,
    items=ENROLMENTS,
    routes=Routes(segment="training", tag="training"),
    steps=(
        StepRule(
            EnrolTraining,
            rules.check_enrol,
            rules.enrol,
            route=StepRoute(
                "enrol_training",
                "Enrol the claimant in a course; ``Location`` names the enrolment.",
            ),
        ),
        StepRule(
            CompleteTraining,
            rules.check_finish,
            rules.finish,
            route=StepRoute(
                "complete_training", "The claimant completed the course.", "completion"
            ),
        ),
        StepRule(
            DropTraining,
            rules.check_finish,
            rules.finish,
            route=StepRoute("drop_training", "The claimant dropped out, with the reason.", "drop"),
        ),
    ),
    success=TrainingStatus.COMPLETED,
    open_items=_unfinished,
    figures=(Figure("training_completed", TRAINING_COMPLETED),),
    sealed=("drop_reason",),
)
