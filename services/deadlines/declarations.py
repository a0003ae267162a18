"""How kinds of help declare their clocks: the rule of each clock, and what each step does
to clocks (start, meet, restart, stop). ``services/deadlines/triggers.py`` applies them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from services.kernel.actors import Role

if TYPE_CHECKING:
    from services.cases.steps import CaseEvent


class Unit(StrEnum):
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


class ClockRule(BaseModel):
    duration: int = Field(gt=0)
    unit: Unit
    # After a breach, the next rung of the ladder hears of it every this many units.
    escalate_every: int = Field(gt=0)
    # Warn the assignee this many hours before the due time (0: no warning).
    warn_hours: int = Field(default=0, ge=0)
    description: str


@dataclass(frozen=True)
class ClockSpec:
    """A kind of clock: its default rule (``CLOCK_POLICY`` overrides it by ``kind``)."""

    kind: str
    default: ClockRule
    # Who acts on it: a lawyer's clock follows the case's lawyer; a staff clock is the
    # intake's (the eligibility clock: the assessor's).
    role: Role = Role.STAFF
    # "No step for so long": met in time it is forgotten, and it is no deadline of a step
    # (no late reason, no compliance figure).
    stale: bool = False


class Taken(Protocol):
    """A step as taken (an event, or a step being checked): what a clock's target is of."""

    @property
    def step(self) -> Any: ...
    @property
    def target(self) -> str | None: ...
    @property
    def seq(self) -> int: ...


TargetOf = Callable[[Taken], str | None]


def new_item(prefix: str) -> TargetOf:
    """The item the step makes (``M7`` for the step of seq 7)."""
    return lambda taken: f"{prefix}{taken.seq}"


def the_item(taken: Taken) -> str | None:
    """The item the step acts on."""
    return taken.target


def item_and(field: str) -> TargetOf:
    """A part of the item the step acts on, named by a field of the step: ``M3/labour``."""
    return lambda taken: f"{taken.target}/{getattr(taken.step, field, '')}"


def always(step: Any) -> bool:
    return True


@dataclass(frozen=True)
class Start:
    """Start a clock of ``kind`` on ``at``."""

    kind: str
    at: TargetOf


@dataclass(frozen=True)
class Meet:
    """The step is the awaited action of the open clocks of ``kind`` (on ``at``, or any):
    met, and late (needing a late reason) if after their due time."""

    kind: str
    at: TargetOf | None = None


@dataclass(frozen=True)
class Restart:
    """Stop the open clock of ``kind`` on ``at`` and start a new one (a stale clock)."""

    kind: str
    at: TargetOf


@dataclass(frozen=True)
class StopUnder:
    """Stop the open clocks on the item ``at`` and on its parts (``M3``, ``M3/labour``),
    of ``kinds`` if given, when ``when`` holds for the step."""

    at: TargetOf
    kinds: tuple[str, ...] = ()
    when: Callable[[Any], bool] = always


@dataclass(frozen=True)
class StopAll:
    """The case closes (when ``when`` holds for the step): every open clock stops."""

    when: Callable[[Any], bool] = always


@dataclass(frozen=True)
class Reassign:
    """Open clocks of ``kinds`` (or worked by ``role``) pass to whom ``to`` names."""

    to: Callable[[CaseEvent], str | None]
    kinds: tuple[str, ...] = ()
    role: Role | None = None


ClockEffect = Start | Meet | Restart | StopUnder | StopAll | Reassign
