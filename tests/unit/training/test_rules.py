"""Vocational training: enrolled → completed | dropped."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.cases.model import Need
from services.cases.steps import AddNeed, StartAssessment, WithdrawCase
from services.training.model import CompleteTraining, DropTraining, EnrolTraining, TrainingStatus
from tests.support import ASSESSOR
from tests.unit.story import Story

COURSE = EnrolTraining(
    course="Forklift operation",
    provider="County vocational school",
    starts_on=date(2025, 4, 1),
    ends_on=date(2025, 6, 30),
)


def test_enrolment_then_completion_records_the_certificate() -> None:
    story = Story.active(Need.TRAINING)

    enrolled = story.take(COURSE)
    (enrolment,) = enrolled.training
    assert enrolment.id == f"T{enrolled.version}"
    assert enrolment.status is TrainingStatus.ENROLLED
    assert enrolment.course == "Forklift operation"
    assert enrolment.enrolled_at == enrolled.updated_at
    assert enrolment.finished_at is None

    done = story.take(CompleteTraining(certificate="FL-2025-001"), enrolment.id)
    (finished,) = done.training
    assert finished.status is TrainingStatus.COMPLETED
    assert finished.certificate == "FL-2025-001"
    assert finished.finished_at == done.updated_at


def test_enrolment_then_drop_records_the_reason() -> None:
    story = Story.active(Need.TRAINING)
    enrolment_id = story.take(COURSE).training[0].id

    dropped = story.take(DropTraining(reason="fell ill"), enrolment_id)

    (enrolment,) = dropped.training
    assert enrolment.status is TrainingStatus.DROPPED
    assert enrolment.drop_reason == "fell ill"
    assert enrolment.finished_at == dropped.updated_at


def test_dropping_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        DropTraining()  # type: ignore[call-arg]


def test_enrolment_ending_before_it_starts_fails_validation() -> None:
    with pytest.raises(ValidationError):
        EnrolTraining(
            course="Welding",
            provider="School",
            starts_on=date(2025, 5, 1),
            ends_on=date(2025, 4, 1),
        )


def test_each_enrolment_is_finished_on_its_own() -> None:
    story = Story.active(Need.TRAINING)
    first = story.take(COURSE).training[0].id
    second = story.take(COURSE.model_copy(update={"course": "Welding"})).training[1].id
    assert first != second

    case = story.take(CompleteTraining(), second)

    assert {e.id: e.status for e in case.training} == {
        first: TrainingStatus.ENROLLED,
        second: TrainingStatus.COMPLETED,
    }


def test_completing_an_unknown_enrolment_is_refused() -> None:
    story = Story.active(Need.TRAINING)
    story.take(COURSE)

    story.refuses(CompleteTraining(), "unknown_enrolment", "T99", field="enrolment_id")
    story.refuses(CompleteTraining(), "unknown_enrolment", None, field="enrolment_id")
    story.refuses(DropTraining(reason="x"), "unknown_enrolment", "T99")


def test_completing_or_dropping_a_finished_enrolment_is_refused() -> None:
    story = Story.active(Need.TRAINING)
    enrolment_id = story.take(COURSE).training[0].id
    story.take(CompleteTraining(), enrolment_id)

    story.refuses(CompleteTraining(), "wrong_status", enrolment_id)
    story.refuses(DropTraining(reason="too late"), "wrong_status", enrolment_id)


def test_training_steps_need_an_active_case() -> None:
    story = Story.opened(Need.TRAINING)
    story.refuses(COURSE, "wrong_stage", field="stage")
    story.refuses(CompleteTraining(), "wrong_stage", "T1", field="stage")

    story.take(StartAssessment(), actor=ASSESSOR)
    story.refuses(COURSE, "wrong_stage", field="stage")
    story.refuses(DropTraining(reason="x"), "wrong_stage", "T1")


def test_training_steps_are_refused_once_the_case_is_closed() -> None:
    story = Story.active(Need.TRAINING)
    enrolment_id = story.take(COURSE).training[0].id
    story.take(WithdrawCase(reason="moved away"))

    story.refuses(COURSE, "wrong_stage")
    story.refuses(CompleteTraining(), "wrong_stage", enrolment_id)


def test_training_needs_the_training_need_until_it_is_added() -> None:
    story = Story.active(Need.JOB_REFERRAL)

    story.refuses(COURSE, "need_missing", field="needs")

    added = story.take(AddNeed(need=Need.TRAINING))
    assert added.needs == [Need.JOB_REFERRAL, Need.TRAINING]
    assert len(story.take(COURSE).training) == 1
