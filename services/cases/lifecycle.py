"""The stages of a case and how it ends, with the guards the rules of every kind of help
use: a case in the right stage, with the right need."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from services.kernel.errors import StepRejected


class Stage(StrEnum):
    INTAKE = "intake"
    ASSESSMENT = "assessment"
    ACTIVE = "active"
    CLOSED = "closed"


class CaseOutcome(StrEnum):
    PLACED = "placed"
    TRAINED = "trained"
    FUNDED = "funded"
    RELIEF_GRANTED = "relief_granted"
    RIGHTS_RESTORED = "rights_restored"
    SERVED = "served"
    NOT_ELIGIBLE = "not_eligible"
    WITHDRAWN = "withdrawn"
    UNREACHABLE = "unreachable"
    NO_REMEDY = "no_remedy"


OPEN_STAGES = (Stage.INTAKE, Stage.ASSESSMENT, Stage.ACTIVE)


class Staged(Protocol):
    @property
    def stage(self) -> Stage: ...
    @property
    def needs(self) -> Sequence[str]: ...


def require_stage(case: Staged, *stages: Stage) -> None:
    if case.stage not in stages:
        allowed = " or ".join(stage.value for stage in stages)
        raise StepRejected(
            f"the case is {case.stage.value}; this step needs it {allowed}",
            code="wrong_stage",
            field="stage",
        )


def require_open(case: Staged) -> None:
    require_stage(case, *OPEN_STAGES)


def require_need(case: Staged, need: str) -> None:
    if need not in case.needs:
        raise StepRejected(
            f"the case does not have the need {need}; add it first",
            code="need_missing",
            field="needs",
        )
