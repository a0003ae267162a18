"""Year-end (or any period's) figures, each traceable to the cases behind it.

Figures count what was recorded in the period: the timeline is the source, so the same
report "as of" a past moment only sees events recorded by then.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases.records import CaseEventRecord, CaseRecord
from services.deadlines.policy import ClockKind

COUNTED_TYPES = (
    "placement_recorded",
    "startup_disbursed",
    "petition_granted",
    "matter_referred",
    "matter_resolved",
    "training_completed",
    "follow_up_recorded",
    "eligibility_decided",
)


class Figure(BaseModel):
    count: int = 0
    amount: Decimal | None = None
    case_ids: list[str] = Field(default_factory=list)


class TimeToAct(BaseModel):
    measured: int
    median_hours: float | None
    case_ids: list[str]


class Activity(BaseModel):
    actor: str
    role: str
    steps: int
    case_ids: list[str]


class SummaryReport(BaseModel):
    period_from: date
    period_to: date
    as_of: datetime
    figures: dict[str, Figure]
    time_to_act: dict[str, TimeToAct]
    activity: list[Activity]


class _Tally:
    def __init__(self) -> None:
        self.cases: dict[str, set[str]] = defaultdict(set)
        self.counts: dict[str, int] = defaultdict(int)
        self.amounts: dict[str, Decimal] = {}

    def add(self, name: str, case_id: str, amount: object = None) -> None:
        self.counts[name] += 1
        self.cases[name].add(case_id)
        if amount is not None:
            self.amounts[name] = self.amounts.get(name, Decimal(0)) + Decimal(str(amount))

    def figures(self, names: Iterable[str]) -> dict[str, Figure]:
        return {
            name: Figure(
                count=self.counts[name],
                amount=self.amounts.get(name),
                case_ids=sorted(self.cases[name]),
            )
            for name in names
        }


STALE_KINDS = (ClockKind.CASE_STALE.value, ClockKind.MATTER_STALE.value)
COMPLIANCE_NAMES = tuple(
    f"compliance.{kind.value}.{met}"
    for kind in ClockKind
    if kind.value not in STALE_KINDS
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


def summary_report(
    *, session: Session, period_from: date, period_to: date, as_of: datetime, tz: ZoneInfo
) -> SummaryReport:
    start = datetime.combine(period_from, time(0), tzinfo=tz)
    end = min(datetime.combine(period_to + timedelta(days=1), time(0), tzinfo=tz), as_of)
    rows = session.execute(
        select(CaseEventRecord, CaseRecord.category)
        .join(CaseRecord, CaseRecord.id == CaseEventRecord.case_id)
        .where(CaseEventRecord.at >= start, CaseEventRecord.at < end)
        .order_by(CaseEventRecord.at, CaseEventRecord.case_id, CaseEventRecord.seq)
    ).all()
    tally = _Tally()
    activity: dict[tuple[str, str], list[str]] = defaultdict(list)
    for event, category in rows:
        if event.role != "system":
            activity[(event.actor, event.role)].append(event.case_id)
        if event.type in COUNTED_TYPES:
            _count(tally, event, category)
        _count_compliance(tally, event)
    return SummaryReport(
        period_from=period_from,
        period_to=period_to,
        as_of=as_of,
        figures=tally.figures(FIGURE_NAMES + COMPLIANCE_NAMES),
        time_to_act=_time_to_act(session, [event for event, _ in rows], as_of),
        activity=[
            Activity(actor=actor, role=role, steps=len(cases), case_ids=sorted(set(cases)))
            for (actor, role), cases in sorted(activity.items())
        ],
    )


def _count(tally: _Tally, event: CaseEventRecord, category: str) -> None:
    payload, case_id = event.payload, event.case_id
    if event.type == "placement_recorded":
        tally.add("placements", case_id)
        tally.add(f"placements.{category}", case_id)
    elif event.type == "startup_disbursed":
        tally.add("startups_funded", case_id, payload["amount"])
    elif event.type == "petition_granted":
        tally.add("fee_relief_granted", case_id, payload.get("value"))
    elif event.type == "matter_referred":
        tally.add(f"legal_referred.{payload['department']}", case_id)
    elif event.type == "matter_resolved":
        tally.add("legal_resolved", case_id)
    elif event.type == "training_completed":
        tally.add("training_completed", case_id)
    elif event.type == "follow_up_recorded":
        tally.add(f"retention.{payload['day']}.recorded", case_id)
        if payload["still_employed"]:
            tally.add(f"retention.{payload['day']}.employed", case_id)


def _count_compliance(tally: _Tally, event: CaseEventRecord) -> None:
    """A deadline met by this event counts as on time, or late if it had been breached."""
    for clock in event.clocks or []:
        if clock.get("satisfied_at") is None or clock.get("kind") in STALE_KINDS:
            continue
        met = "late" if clock.get("level", 0) > 0 else "on_time"
        tally.add(f"compliance.{clock['kind']}.{met}", event.case_id)


def _time_to_act(
    session: Session, events: list[CaseEventRecord], as_of: datetime
) -> dict[str, TimeToAct]:
    """Median hours from intake to the eligibility decision, and from an infringement's
    record to its first referral to a department."""
    decided = [e for e in events if e.type == "eligibility_decided"]
    referred = [e for e in events if e.type == "matter_referred"]
    starts = _start_times(session, {e.case_id for e in decided + referred}, as_of)
    first_referral: dict[tuple[str, str], CaseEventRecord] = {}
    for event in referred:
        first_referral.setdefault((event.case_id, event.target or ""), event)
    pairs = {
        "intake_to_eligibility": [
            (e.case_id, starts.get((e.case_id, "case_opened")), e.at) for e in decided
        ],
        "infringement_to_referral": [
            (case_id, starts.get((case_id, target)), e.at)
            for (case_id, target), e in first_referral.items()
        ],
    }
    return {name: _median(measures) for name, measures in pairs.items()}


def _start_times(
    session: Session, case_ids: set[str], as_of: datetime
) -> dict[tuple[str, str], datetime]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(
            CaseEventRecord.case_id, CaseEventRecord.seq, CaseEventRecord.type, CaseEventRecord.at
        ).where(
            CaseEventRecord.case_id.in_(case_ids),
            CaseEventRecord.type.in_(("case_opened", "infringement_recorded")),
            CaseEventRecord.at <= as_of,
        )
    ).all()
    return {
        (row.case_id, "case_opened" if row.type == "case_opened" else f"M{row.seq}"): row.at
        for row in rows
    }


def _median(measures: list[tuple[str, datetime | None, datetime]]) -> TimeToAct:
    hours = [
        (end - start).total_seconds() / 3600 for _, start, end in measures if start is not None
    ]
    return TimeToAct(
        measured=len(hours),
        median_hours=round(statistics.median(hours), 2) if hours else None,
        case_ids=sorted({case_id for case_id, start, _ in measures if start is not None}),
    )


def report_rows(report: SummaryReport) -> list[list[str]]:
    """The report as CSV rows: one per figure, with its case ids."""
    rows = [["figure", "count", "amount", "case_ids"]]
    for name, figure in report.figures.items():
        amount = "" if figure.amount is None else str(figure.amount)
        rows.append([name, str(figure.count), amount, " ".join(figure.case_ids)])
    for name, measure in report.time_to_act.items():
        median = "" if measure.median_hours is None else str(measure.median_hours)
        rows.append(
            [f"median_hours.{name}", str(measure.measured), median, " ".join(measure.case_ids)]
        )
    for entry in report.activity:
        rows.append(
            [f"activity.{entry.role}.{entry.actor}", str(entry.steps), "", " ".join(entry.case_ids)]
        )
    return rows
