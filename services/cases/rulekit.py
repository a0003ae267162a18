"""Small helpers the track rules share: stage and need guards, finding and replacing items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from services.cases.errors import StepRejected
from services.cases.model import CaseFile, Need, Stage
from services.cases.steps import CaseEvent


class Identified(Protocol):
    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=Identified)
Check = Callable[[CaseFile, Any, str | None], None]
Apply = Callable[[CaseFile, CaseEvent], CaseFile]
Rules = dict[type, tuple[Check, Apply]]


def require_stage(case: CaseFile, *stages: Stage) -> None:
    if case.stage not in stages:
        allowed = " or ".join(stage.value for stage in stages)
        raise StepRejected(
            f"the case is {case.stage.value}; this step needs it {allowed}",
            code="wrong_stage",
            field="stage",
        )


def require_open(case: CaseFile) -> None:
    require_stage(case, Stage.INTAKE, Stage.ASSESSMENT, Stage.ACTIVE)


def require_need(case: CaseFile, need: Need) -> None:
    if need not in case.needs:
        raise StepRejected(
            f"the case does not have the need {need.value}; add it first",
            code="need_missing",
            field="needs",
        )


def find(items: Sequence[Item], target: str | None, what: str) -> Item:
    for item in items:
        if item.id == target:
            return item
    raise StepRejected(
        f"the case has no {what} {target!r}", code=f"unknown_{what}", field=f"{what}_id"
    )


def require_status(current: object, allowed: Sequence[object], what: str) -> None:
    if current not in allowed:
        names = ", ".join(str(status) for status in allowed)
        raise StepRejected(
            f"the {what} is {current}; this step needs it {names}", code="wrong_status"
        )


def replaced(items: Sequence[Item], new: Item) -> list[Item]:
    return [new if item.id == new.id else item for item in items]


def item_id(prefix: str, event: CaseEvent) -> str:
    """Ids of items made by a step derive from its sequence number: unique and replay-stable."""
    return f"{prefix}{event.seq}"


def stamp(case: CaseFile, event: CaseEvent, **changes: object) -> CaseFile:
    return case.model_copy(update={"version": event.seq, "updated_at": event.at, **changes})
