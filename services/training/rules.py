"""Rules of the training track."""

from __future__ import annotations

from services.cases.lifecycle import Stage, require_need, require_stage
from services.cases.model import CaseFile, Need
from services.cases.steps import CaseEvent
from services.kernel.rulekit import Rules, find, item_id, replaced, require_status, stamp
from services.training.model import (
    CompleteTraining,
    DropTraining,
    Enrolment,
    EnrolTraining,
    TrainingStatus,
)

PREFIX = "T"


def check_enrol(case: CaseFile, step: EnrolTraining, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, Need.TRAINING)


def check_finish(case: CaseFile, step: CompleteTraining | DropTraining, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    enrolment = find(case.training, target, "enrolment")
    require_status(enrolment.status, [TrainingStatus.ENROLLED], "enrolment")


def enrol(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, EnrolTraining)
    enrolment = Enrolment(
        id=item_id(PREFIX, event),
        course=step.course,
        provider=step.provider,
        starts_on=step.starts_on,
        ends_on=step.ends_on,
        enrolled_at=event.at,
    )
    return stamp(case, event, training=[*case.training, enrolment])


def finish(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    enrolment = find(case.training, event.target, "enrolment")
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
    return stamp(case, event, training=replaced(case.training, done))


RULES: Rules = {
    EnrolTraining: (check_enrol, enrol),
    CompleteTraining: (check_finish, finish),
    DropTraining: (check_finish, finish),
}
