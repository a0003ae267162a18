"""What the summary counts, event by event: the one definition that the projection (as
events are recorded), the backfill (migration 0008) and the report's edges (raw events
of less than an hour) all apply."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from services.cases.model import ClaimantCategory
from services.cases.registry import TRACKS
from services.cases.steps import CASE_OPENED, ELIGIBILITY_DECIDED
from services.deadlines.policy import STALE, ClockKind
from services.reports.figures import CATEGORY, Figure, TimeToAct

COMPLIANCE_NAMES = tuple(
    f"compliance.{kind.value}.{met}"
    for kind in ClockKind
    if kind.value not in STALE
    for met in ("on_time", "late")
)
FIGURES: tuple[Figure, ...] = tuple(figure for track in TRACKS for figure in track.figures)


def split_values(figure: Figure) -> tuple[str, ...]:
    if figure.by == CATEGORY:
        return tuple(category.value for category in ClaimantCategory)
    return figure.by_values


def names_of(figure: Figure) -> tuple[str, ...]:
    """The figure's names in the report: itself, then one per value of its split."""
    split = tuple(f"{figure.name}.{value}" for value in split_values(figure) if figure.by)
    return ((figure.name,) if figure.total else ()) + split


FIGURE_NAMES = tuple(name for figure in FIGURES for name in names_of(figure))
# From intake to the eligibility decision (each decision, a reopened case's too), and
# the tracks' own.
TIMES_TO_ACT: tuple[TimeToAct, ...] = (
    TimeToAct("intake_to_eligibility", CASE_OPENED, ELIGIBILITY_DECIDED),
    *(measure for track in TRACKS for measure in track.times_to_act),
)
TIME_TO_ACT = tuple(measure.name for measure in TIMES_TO_ACT)
TIME_FIGURES = tuple(f"time_to_act.{name}" for name in TIME_TO_ACT)
ACTIVITY = "activity"
_FIGURES_OF = {
    event: [figure for figure in FIGURES if figure.event == event]
    for event in dict.fromkeys(figure.event for figure in FIGURES)
}
# Events whose counting needs earlier events of their case (when its time started)...
TIMED_TYPES = tuple(dict.fromkeys(measure.end for measure in TIMES_TO_ACT))
# ...and those earlier events: starts, and the ends of which only an item's first counts.
REMEMBERED_TYPES = tuple(
    dict.fromkeys(
        [
            *(measure.start for measure in TIMES_TO_ACT),
            *(measure.end for measure in TIMES_TO_ACT if measure.prefix),
        ]
    )
)


class EventRow(Protocol):
    """A recorded event as the timeline stores it (``CaseEventRecord`` or a plain row)."""

    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def target(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def clocks(self) -> list[Any] | None: ...


@dataclass(frozen=True, order=True)
class Key:
    """What a count is of: a figure, a person's steps, or one binned time to act."""

    figure: str
    actor: str = ""
    role: str = ""
    hours_x100: int = 0


@dataclass
class CaseTimes:
    """What counting a case's next events needs from its earlier ones: when each time to
    act started (per item, or for the case), and which items' first end is counted."""

    started: dict[tuple[str, str], datetime] = field(default_factory=dict)
    ended: set[tuple[str, str]] = field(default_factory=set)

    def see(self, event: EventRow) -> None:
        for measure in TIMES_TO_ACT:
            if event.type == measure.start:
                item = f"{measure.prefix}{event.seq}" if measure.prefix else ""
                self.started[(measure.name, item)] = event.at
            elif event.type == measure.end and measure.prefix and event.target:
                self.ended.add((measure.name, event.target))


@dataclass(frozen=True)
class Counted:
    key: Key
    at: datetime
    count: int = 1
    amount: Decimal | None = None


def binned_hours(start: datetime, end: datetime) -> int:
    """Hours between two moments to two significant figures (and at most to the
    hundredth), in hundredths: the resolution of the reported medians."""
    hours = Decimal((end - start).total_seconds()) / 3600
    if hours <= 0:
        return 0
    exponent = max(hours.adjusted() - 1, -2)
    return int(hours.quantize(Decimal(1).scaleb(exponent), ROUND_HALF_EVEN) * 100)


def count_events(
    events: Iterable[EventRow], *, category: str, times: CaseTimes
) -> Iterator[Counted]:
    """The counts of one case's ``events`` (in ``seq`` order, after the ones ``times``
    has seen); ``times`` learns from them as they go."""
    for event in events:
        yield from _counted(event, category, times)
        times.see(event)


def _counted(event: EventRow, category: str, times: CaseTimes) -> Iterator[Counted]:
    at, payload = event.at, event.payload
    if event.role != "system":
        yield Counted(Key(ACTIVITY, event.actor, event.role), at)
    for clock in event.clocks if isinstance(event.clocks, list) else ():
        if clock.get("satisfied_at") is not None and clock.get("kind") not in STALE:
            late = (clock.get("level") or 0) > 0
            yield Counted(Key(f"compliance.{clock['kind']}.{'late' if late else 'on_time'}"), at)
    for figure in _FIGURES_OF.get(event.type, ()):
        yield from _figure_counts(figure, payload, category, at)
    for measure in TIMES_TO_ACT:
        if event.type == measure.end:
            yield from _time_to_act(measure, event, times)


def _figure_counts(
    figure: Figure, payload: dict[str, Any], category: str, at: datetime
) -> Iterator[Counted]:
    if any(payload.get(name) != value for name, value in figure.where):
        return
    value = payload.get(figure.amount) if figure.amount else None
    amount = None if value is None else Decimal(str(value))
    if figure.total:
        yield Counted(Key(figure.name), at, amount=amount)
    if figure.by:
        split = category if figure.by == CATEGORY else payload[figure.by]
        yield Counted(Key(f"{figure.name}.{split}"), at, amount=amount)


def _time_to_act(measure: TimeToAct, event: EventRow, times: CaseTimes) -> Iterator[Counted]:
    """From the start of the case (every end), or of the item (its first end only)."""
    item = (event.target or "") if measure.prefix else ""
    started = times.started.get((measure.name, item))
    if started is None or (measure.prefix and (measure.name, item) in times.ended):
        return
    hours = binned_hours(started, event.at)
    yield Counted(Key(f"time_to_act.{measure.name}", hours_x100=hours), event.at)
