"""What the summary counts, event by event: the one definition that the projection (as
events are recorded), the backfill (migration 0008) and the report's edges (raw events
of less than an hour) all apply."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from services.deadlines.policy import STALE, ClockKind

COMPLIANCE_NAMES = tuple(
    f"compliance.{kind.value}.{met}"
    for kind in ClockKind
    if kind.value not in STALE
    for met in ("on_time", "late")
)
FIGURE_NAMES = (
    "placements",
    "placements.veteran",
    "placements.military_family",
    "placements.martyr_family",
    "startups_funded",
    "fee_relief_granted",
    "legal_referred.labour",
    "legal_referred.justice",
    "legal_resolved",
    "training_completed",
    *(f"retention.{day}.{what}" for day in (30, 90, 180) for what in ("recorded", "employed")),
)
TIME_TO_ACT = ("intake_to_eligibility", "infringement_to_referral")
ACTIVITY = "activity"
# Events whose counting needs earlier events of their case (when its clock started).
TIMED_TYPES = ("eligibility_decided", "matter_referred")
START_TYPES = ("case_opened", "infringement_recorded")


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
    """What counting a case's next events needs from its earlier ones."""

    opened_at: datetime | None = None
    infringements: dict[str, datetime] = field(default_factory=dict)  # matter id -> at
    referred: set[str] = field(default_factory=set)  # matters referred already

    def see(self, event: EventRow) -> None:
        if event.type == "case_opened":
            self.opened_at = event.at
        elif event.type == "infringement_recorded":
            self.infringements[f"M{event.seq}"] = event.at
        elif event.type == "matter_referred" and event.target:
            self.referred.add(event.target)


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
    kind = event.type
    if kind == "placement_recorded":
        yield Counted(Key("placements"), at)
        yield Counted(Key(f"placements.{category}"), at)
    elif kind == "startup_disbursed":
        yield Counted(Key("startups_funded"), at, amount=Decimal(str(payload["amount"])))
    elif kind == "petition_granted":
        value = payload.get("value")
        amount = None if value is None else Decimal(str(value))
        yield Counted(Key("fee_relief_granted"), at, amount=amount)
    elif kind == "matter_referred":
        yield Counted(Key(f"legal_referred.{payload['department']}"), at)
        started = times.infringements.get(event.target or "")
        # The time to act runs to a matter's first referral, whichever department.
        if started is not None and event.target not in times.referred:
            yield Counted(
                Key("time_to_act.infringement_to_referral", hours_x100=binned_hours(started, at)),
                at,
            )
    elif kind == "matter_resolved":
        yield Counted(Key("legal_resolved"), at)
    elif kind == "training_completed":
        yield Counted(Key("training_completed"), at)
    elif kind == "follow_up_recorded":
        yield Counted(Key(f"retention.{payload['day']}.recorded"), at)
        if payload["still_employed"]:
            yield Counted(Key(f"retention.{payload['day']}.employed"), at)
    elif kind == "eligibility_decided" and times.opened_at is not None:
        hours = binned_hours(times.opened_at, at)
        yield Counted(Key("time_to_act.intake_to_eligibility", hours_x100=hours), at)
