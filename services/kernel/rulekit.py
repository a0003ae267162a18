"""Small helpers the rules of every kind of help share: finding and replacing items, status
guards, item ids and the stamp a step leaves on its case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from services.kernel.errors import StepRejected


class Identified(Protocol):
    @property
    def id(self) -> str: ...


class Numbered(Protocol):
    """What a stamp needs of the event that records a step."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...


class Copyable(Protocol):
    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any: ...


Item = TypeVar("Item", bound=Identified)
Case = TypeVar("Case", bound=Copyable)
# A step's rule: ``check`` (case, step, target) raises if the step does not fit the case;
# ``apply`` (case, event) returns the case the accepted step leaves.
Check = Callable[[Any, Any, str | None], None]
Apply = Callable[[Any, Any], Any]
Rules = dict[type, tuple[Check, Apply]]


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


def item_id(prefix: str, event: Numbered) -> str:
    """Ids of items made by a step derive from its sequence number: unique and replay-stable."""
    return f"{prefix}{event.seq}"


def stamp(case: Case, event: Numbered, **changes: object) -> Case:
    stamped: Case = case.model_copy(
        update={"version": event.seq, "updated_at": event.at, **changes}
    )
    return stamped
