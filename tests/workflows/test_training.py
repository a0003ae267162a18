"""Vocational training: enrolled → completed | dropped."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.cases.model import Need
from services.cases.steps import AddNeed, StartAssessment, WithdrawCase
from services.training.model import (
    CompleteTraining,
    DropTraining,
    EnrolTraining,
    TrainingStatus,
)
from tests.workflows.support import ASSESSOR, Scenario, intake

COURSE = EnrolTraining(
    course="Forklift operation",
    provider="County vocational school",
    starts_on=date(2025, 4, 1),
    ends_on=date(2025, 6, 30),
)


async def test_enrolment_then_completion_records_the_certificate(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.TRAINING)

    enrolled = await run.take(COURSE)
    (enrolment,) = enrolled.training
    assert enrolment.id == f"T{enrolled.version}"
    assert enrolment.status is TrainingStatus.ENROLLED
    assert enrolment.course == "Forklift operation"
    assert enrolment.enrolled_at == enrolled.updated_at
    assert enrolment.finished_at is None

    done = await run.take(CompleteTraining(certificate="FL-2025-001"), enrolment.id)
    (finished,) = done.training
    assert finished.status is TrainingStatus.COMPLETED
    assert finished.certificate == "FL-2025-001"
    assert finished.finished_at == done.updated_at
    assert await run.case() == done


async def test_enrolment_then_drop_records_the_reason(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.TRAINING)
    enrolment_id = (await run.take(COURSE)).training[0].id

    dropped = await run.take(DropTraining(reason="fell ill"), enrolment_id)

    (enrolment,) = dropped.training
    assert enrolment.status is TrainingStatus.DROPPED
    assert enrolment.drop_reason == "fell ill"
    assert enrolment.finished_at == dropped.updated_at


async def test_dropping_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        DropTraining()  # type: ignore[call-arg]


async def test_enrolment_ending_before_it_starts_fails_validation() -> None:
    with pytest.raises(ValidationError):
        EnrolTraining(
            course="Welding",
            provider="School",
            starts_on=date(2025, 5, 1),
            ends_on=date(2025, 4, 1),
        )


async def test_each_enrolment_is_finished_on_its_own(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.TRAINING)
    first = (await run.take(COURSE)).training[0].id
    second = (await run.take(COURSE.model_copy(update={"course": "Welding"}))).training[1].id
    assert first != second

    case = await run.take(CompleteTraining(), second)

    assert {e.id: e.status for e in case.training} == {
        first: TrainingStatus.ENROLLED,
        second: TrainingStatus.COMPLETED,
    }


async def test_completing_an_unknown_enrolment_is_rejected(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.TRAINING)
    await run.take(COURSE)

    await run.reject(CompleteTraining(), "unknown_enrolment", "T99", field="enrolment_id")
    await run.reject(CompleteTraining(), "unknown_enrolment", None, field="enrolment_id")
    await run.reject(DropTraining(reason="x"), "unknown_enrolment", "T99")


async def test_completing_or_dropping_a_finished_enrolment_is_rejected(
    scenario: Scenario,
) -> None:
    run = await scenario.open_active(Need.TRAINING)
    enrolment_id = (await run.take(COURSE)).training[0].id
    await run.take(CompleteTraining(), enrolment_id)

    await run.reject(CompleteTraining(), "wrong_status", enrolment_id)
    await run.reject(DropTraining(reason="too late"), "wrong_status", enrolment_id)


async def test_training_steps_need_an_active_case(scenario: Scenario) -> None:
    run = await scenario.open(intake(Need.TRAINING))
    await run.reject(COURSE, "wrong_stage", field="stage")
    await run.reject(CompleteTraining(), "wrong_stage", "T1", field="stage")

    await run.take(StartAssessment(), actor=ASSESSOR)
    await run.reject(COURSE, "wrong_stage", field="stage")
    await run.reject(DropTraining(reason="x"), "wrong_stage", "T1")


async def test_training_steps_are_rejected_once_the_case_is_closed(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.TRAINING)
    enrolment_id = (await run.take(COURSE)).training[0].id
    await run.take(WithdrawCase(reason="moved away"))

    await run.reject(COURSE, "wrong_stage")
    await run.reject(CompleteTraining(), "wrong_stage", enrolment_id)


async def test_training_needs_the_training_need_until_it_is_added(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)

    await run.reject(COURSE, "need_missing", field="needs")

    added = await run.take(AddNeed(need=Need.TRAINING))
    assert added.needs == [Need.JOB_REFERRAL, Need.TRAINING]
    enrolled = await run.take(COURSE)
    assert len(enrolled.training) == 1
