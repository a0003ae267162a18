"""Vocational training: enrolled → completed | dropped."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import ValidationInfo, field_validator

from services.cases.tracks import Items, kind_of
from services.kernel.plausible import EventDate
from services.kernel.values import Frozen, Reason, ShortText, StepBase


class TrainingStatus(StrEnum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    DROPPED = "dropped"


class Enrolment(Frozen):
    id: str
    course: str
    provider: str
    starts_on: date
    ends_on: date
    status: TrainingStatus = TrainingStatus.ENROLLED
    certificate: str | None = None
    drop_reason: str | None = None
    enrolled_at: datetime
    finished_at: datetime | None = None


class EnrolTraining(StepBase):
    kind: Literal["training_enrolled"] = "training_enrolled"
    course: ShortText
    provider: ShortText
    starts_on: EventDate
    ends_on: EventDate

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, ends_on: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on < starts_on:
            raise ValueError("ends_on is before starts_on")
        return ends_on


class CompleteTraining(StepBase):
    kind: Literal["training_completed"] = "training_completed"
    certificate: ShortText | None = None


class DropTraining(StepBase):
    kind: Literal["training_dropped"] = "training_dropped"
    reason: Reason


NEED = "training"
ENROLMENTS = Items(field="training", prefix="T", model=Enrolment, name="enrolment")
TRAINING_ENROLLED = kind_of(EnrolTraining)
TRAINING_COMPLETED = kind_of(CompleteTraining)
TRAINING_DROPPED = kind_of(DropTraining)
