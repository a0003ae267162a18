"""Rules of the training track."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.cases.lifecycle import Stage, require_need, require_stage
from services.kernel.rulekit import require_status
from services.training.model import (
    ENROLMENTS,
    NEED,
    CompleteTraining,
    DropTraining,
    Enrolment,
    EnrolTraining,
    TrainingStatus,
)

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent


def check_enrol(case: CaseFile, step: EnrolTraining, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, NEED)


def check_finish(case: CaseFile, step: CompleteTraining | DropTraining, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    enrolment = ENROLMENTS.find(case, target)
    require_status(enrolment.status, [TrainingStatus.ENROLLED], "enrolment")


def enrol(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, EnrolTraining)
    enrolment = Enrolment(
        id=ENROLMENTS.new_id(event),
        course=step.course,
        provider=step.provider,
        starts_on=step.starts_on,
        ends_on=step.ends_on,
        enrolled_at=event.at,
    )
    return ENROLMENTS.added(case, event, enrolment)


def finish(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    enrolment = ENROLMENTS.find(case, event.target)
    if isinstance(step, CompleteTraining):
        done = enrolment.model_copy(
            update={
                "status": TrainingStatus.COMPLETED,
                "certificate": step.certificate,
                "finished_at": event.at,
            }
        )
    else:
        assert isinstance(step, DropTraining)
        done = enrolment.model_copy(
            update={
                "status": TrainingStatus.DROPPED,
                "drop_reason": step.reason,
                "finished_at": event.at,
            }
        )
    return ENROLMENTS.replaced(case, event, done)
