"""Vocational training (职业培训), declared for the registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from services.cases.tracks import OpenTask, Routes, StepRoute, StepRule, TrackSpec, morning_of
from services.kernel.actors import Role
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

if TYPE_CHECKING:
    from services.cases.model import CaseFile

RECORD_TRAINING_RESULT = "record_training_result"


def _in_progress(case: CaseFile) -> Iterable[OpenTask]:
    """A course under way waits on its owner to record how it ended, due when it ends."""
    return (
        OpenTask(
            kind=RECORD_TRAINING_RESULT,
            target=enrolment.id,
            assignee=case.owner,
            role=Role.STAFF,
            since=enrolment.enrolled_at,
            due=morning_of(enrolment.ends_on + timedelta(days=1)),
        )
        for enrolment in ENROLMENTS.of(case)
        if enrolment.status is TrainingStatus.ENROLLED
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
    task_kinds=(RECORD_TRAINING_RESULT,),
    tasks=_in_progress,
    figures=(Figure("training_completed", TRAINING_COMPLETED),),
    sealed=("drop_reason",),
)
