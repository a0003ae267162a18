"""Year-end (or any period's) figures, each traceable to the cases behind it.

Figures count what was recorded in the period: the timeline is the source, so the same
report "as of" a past moment only sees events recorded by then.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import Row, Select, bindparam, func, select, text
from sqlalchemy.orm import Session, aliased

from services.cases.records import CaseEventRecord, CaseRecord
from services.db import UtcDateTime
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
    *,
    session: Session,
    period_from: date,
    period_to: date,
    as_of: datetime,
    tz: ZoneInfo,
    centre: str | None = None,
) -> SummaryReport:
    """The figures of the period, of one centre's cases if ``centre`` is given.

    A year holds about ten events per case: only the few that figures count come back
    as rows; compliance and activity are aggregated by the database, so Python touches
    one row per (case, figure) rather than one per event.
    """
    start = datetime.combine(period_from, time(0), tzinfo=tz)
    end = min(datetime.combine(period_to + timedelta(days=1), time(0), tzinfo=tz), as_of)
    in_period = (CaseEventRecord.at >= start, CaseEventRecord.at < end)
    of_centre = () if centre is None else (CaseRecord.centre == centre,)
    counted = session.execute(
        select(
            CaseEventRecord.case_id,
            CaseEventRecord.seq,
            CaseEventRecord.type,
            CaseEventRecord.target,
            CaseEventRecord.at,
            CaseEventRecord.payload,
            CaseRecord.category,
        )
        .join(CaseRecord, CaseRecord.id == CaseEventRecord.case_id)
        .where(*in_period, CaseEventRecord.type.in_(COUNTED_TYPES), *of_centre)
        .order_by(CaseEventRecord.at, CaseEventRecord.case_id, CaseEventRecord.seq)
    ).all()
    tally = _Tally()
    for event in counted:
        _count(tally, event, event.category)
    _count_compliance(tally, session, start, end, centre)
    return SummaryReport(
        period_from=period_from,
        period_to=period_to,
        as_of=as_of,
        figures=tally.figures(FIGURE_NAMES + COMPLIANCE_NAMES),
        time_to_act=_time_to_act(session, counted, as_of, _acted_on(start, end, centre)),
        activity=_activity(session, in_period, of_centre),
    )


def _activity(
    session: Session, in_period: tuple[Any, ...], of_centre: tuple[Any, ...]
) -> list[Activity]:
    """Steps and cases per person (system steps left out), counted by the database."""
    query = select(
        CaseEventRecord.actor, CaseEventRecord.role, CaseEventRecord.case_id, func.count()
    ).where(*in_period, CaseEventRecord.role != "system")
    if of_centre:
        query = query.join(CaseRecord, CaseRecord.id == CaseEventRecord.case_id).where(*of_centre)
    steps: dict[tuple[str, str], int] = defaultdict(int)
    cases: dict[tuple[str, str], list[str]] = defaultdict(list)
    for actor, role, case_id, count in session.execute(
        query.group_by(CaseEventRecord.actor, CaseEventRecord.role, CaseEventRecord.case_id)
    ):
        steps[(actor, role)] += count
        cases[(actor, role)].append(case_id)
    return [
        Activity(actor=actor, role=role, steps=steps[(actor, role)], case_ids=sorted(ids))
        for (actor, role), ids in sorted(cases.items())
    ]


def _count(tally: _Tally, event: Row[Any], category: str) -> None:
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


# Each clock an event met (satisfied), by kind and whether it had been breached first,
# per case; the clocks are a JSON array on the event, unnested by the database.
_MET_CLOCKS = {
    "postgresql": """
SELECT e.case_id, c.value ->> 'kind' AS kind,
       coalesce((c.value ->> 'level')::int, 0) > 0 AS late, count(*) AS met
FROM case_event e {join}
CROSS JOIN LATERAL json_array_elements(
    CASE WHEN json_typeof(e.clocks) = 'array' THEN e.clocks ELSE '[]'::json END
) AS c(value)
WHERE e.at >= :start AND e.at < :end {centre}
  AND c.value ->> 'satisfied_at' IS NOT NULL AND c.value ->> 'kind' NOT IN :stale
GROUP BY 1, 2, 3""",
    "sqlite": """
SELECT e.case_id, json_extract(c.value, '$.kind') AS kind,
       coalesce(json_extract(c.value, '$.level'), 0) > 0 AS late, count(*) AS met
FROM case_event e {join},
     json_each(CASE WHEN json_type(e.clocks) = 'array' THEN e.clocks ELSE '[]' END) AS c
WHERE e.at >= :start AND e.at < :end {centre}
  AND json_extract(c.value, '$.satisfied_at') IS NOT NULL
  AND json_extract(c.value, '$.kind') NOT IN :stale
GROUP BY 1, 2, 3""",
}


def _count_compliance(
    tally: _Tally, session: Session, start: datetime, end: datetime, centre: str | None
) -> None:
    """A deadline met in the period counts as on time, or late if it had been breached."""
    dialect = session.get_bind().dialect.name
    sql = _MET_CLOCKS[dialect].format(
        join="" if centre is None else "JOIN cases ON cases.id = e.case_id",
        centre="" if centre is None else "AND cases.centre = :centre",
    )
    query = text(sql).bindparams(
        bindparam("start", type_=UtcDateTime),
        bindparam("end", type_=UtcDateTime),
        bindparam("stale", expanding=True),
    )
    params: dict[str, Any] = {"start": start, "end": end, "stale": list(STALE_KINDS)}
    if centre is not None:
        params["centre"] = centre
    for case_id, kind, late, met in session.execute(query, params):
        name = f"compliance.{kind}.{'late' if late else 'on_time'}"
        tally.counts[name] += met
        tally.cases[name].add(case_id)


TIMED_TYPES = ("eligibility_decided", "matter_referred")


def _acted_on(start: datetime, end: datetime, centre: str | None) -> Select[Any]:
    """The cases with a timed step in the period, as a subquery: a list of their ids
    would grow with the caseload (and SQLite takes at most 32,766 parameters)."""
    event = aliased(CaseEventRecord)
    query = select(event.case_id).where(
        event.at >= start, event.at < end, event.type.in_(TIMED_TYPES)
    )
    if centre is not None:
        query = query.join(CaseRecord, CaseRecord.id == event.case_id).where(
            CaseRecord.centre == centre
        )
    return query


def _time_to_act(
    session: Session, events: Sequence[Row[Any]], as_of: datetime, acted: Select[Any]
) -> dict[str, TimeToAct]:
    """Median hours from intake to the eligibility decision, and from an infringement's
    record to its first referral to a department."""
    decided = [e for e in events if e.type == "eligibility_decided"]
    referred = [e for e in events if e.type == "matter_referred"]
    starts = _start_times(session, acted, as_of) if decided or referred else {}
    first_referral: dict[tuple[str, str], Row[Any]] = {}
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
    session: Session, case_ids: Select[Any], as_of: datetime
) -> dict[tuple[str, str], datetime]:
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
