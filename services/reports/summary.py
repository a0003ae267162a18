"""Year-end (or any period's) figures: counts, amounts, medians and per-person steps.

Figures count what was recorded in the period: the timeline is the source, so the same
report "as of" a past moment only sees events recorded by then. They are read from the
report tally (``services/reports/tallies.py``), kept as events are recorded, with the
period's edges counted from the raw events; the cases behind a figure are listed, a page
at a time, by ``services/reports/case_ids.py``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from services.campaigns.figures import Counts, VisitFigures, visit_figures
from services.reports.counting import (
    ACTIVITY,
    COMPLIANCE_NAMES,
    FIGURE_NAMES,
    TIME_TO_ACT,
    Key,
)
from services.reports.medians import coarsest, medians
from services.reports.records import TallyReads
from services.reports.tallies import Pieces, Sums, cents, count_raw, cut, read_tallies


class Figure(BaseModel):
    count: int = 0
    amount: Decimal | None = None


class TimeToAct(BaseModel):
    measured: int
    median_hours: float | None


class Activity(BaseModel):
    actor: str
    role: str
    steps: int


class SummaryReport(BaseModel):
    period_from: date
    period_to: date
    as_of: datetime
    figures: dict[str, Figure]
    time_to_act: dict[str, TimeToAct]
    activity: list[Activity]
    visits: VisitFigures = Field(
        description="Holiday visits of the campaigns whose holiday falls in the period, as "
        "recorded now (``as_of`` does not apply): households selected, visited, not reached, "
        "money and goods given, cases opened from visits; per year and campaign, by category"
    )


def period_bounds(
    period_from: date, period_to: date, as_of: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """[start, end): the period's dates (inclusive) in the centre's time zone, cut at
    ``as_of``."""
    start = datetime.combine(period_from, time(0), tzinfo=tz)
    end = min(datetime.combine(period_to + timedelta(days=1), time(0), tzinfo=tz), as_of)
    return start, end


def summary_report(
    *,
    session: Session,
    period_from: date,
    period_to: date,
    as_of: datetime,
    tz: ZoneInfo,
    centre: str | None = None,
    from_tally: bool = True,
    reads: TallyReads | None = None,
) -> SummaryReport:
    """The figures of the period, of one centre's cases if ``centre`` is given.

    Whole UTC months, days and hours come from the tally (a year is a few thousand rows
    whatever the caseload); what is left at the edges, less than an hour on each side,
    is counted from the raw events. ``from_tally=False`` counts every event instead
    (the reference the tally is tested against). ``reads`` counts what the tally gave.
    """
    start, end = period_bounds(period_from, period_to, as_of, tz)
    visits = visit_figures(session=session, centre=centre, first=period_from, last=period_to)
    pieces = cut(start, end) if from_tally else Pieces((), ((start, end),))
    sums = read_tallies(session, pieces.tallied, centre, reads)
    raw = [
        item
        for fragment_start, fragment_end in pieces.raw
        for _, item in count_raw(session, fragment_start, fragment_end, centre)
    ]
    if from_tally:
        for item in raw:
            sums[coarsest(item.key)].add(item.count, cents(item.amount))
        counts = {key: total.count for key, total in sums.items()}
        found = medians(session, pieces.tallied, centre, counts, raw, reads)
        time_to_act = {
            name: TimeToAct(measured=median.measured, median_hours=median.hours)
            for name in TIME_TO_ACT
            for median in (found[f"time_to_act.{name}"],)
        }
    else:
        for item in raw:
            sums[item.key].add(item.count, cents(item.amount))
        time_to_act = {name: _time_to_act(sums, f"time_to_act.{name}") for name in TIME_TO_ACT}
    return SummaryReport(
        period_from=period_from,
        period_to=period_to,
        as_of=as_of,
        figures={name: _figure(sums.get(Key(name))) for name in FIGURE_NAMES + COMPLIANCE_NAMES},
        time_to_act=time_to_act,
        activity=[
            Activity(actor=key.actor, role=key.role, steps=total.count)
            for key, total in sorted(sums.items(), key=lambda kv: (kv[0].actor, kv[0].role))
            if key.figure == ACTIVITY and total.count
        ],
        visits=visits,
    )


def _figure(total: Sums | None) -> Figure:
    if total is None:
        return Figure()
    total_cents = total.amount_cents
    amount = None if total_cents is None else (Decimal(total_cents) / 100).quantize(Decimal("0.01"))
    return Figure(count=total.count, amount=amount)


def _time_to_act(sums: dict[Key, Sums], figure: str) -> TimeToAct:
    """Median hours from intake to the eligibility decision, and from an infringement's
    record to its first referral, over durations binned to two significant figures: from
    every bin, as counting every event gives them (the tally reads ``medians`` instead)."""
    histogram = sorted(
        (key.hours_x100, total.count)
        for key, total in sums.items()
        if key.figure == figure and total.count
    )
    measured = sum(count for _, count in histogram)
    if not measured:
        return TimeToAct(measured=0, median_hours=None)
    middle = ((measured - 1) // 2, measured // 2)
    values: list[int] = []
    seen = 0
    for hours_x100, count in histogram:
        values += [hours_x100 for rank in middle if seen <= rank < seen + count]
        seen += count
    return TimeToAct(measured=measured, median_hours=round(sum(values) / 200, 2))


def report_rows(report: SummaryReport) -> list[list[str]]:
    """The report as CSV rows: one per figure with its count (and amount or median);
    ``GET /reports/summary/cases`` lists the cases behind any of them."""
    rows = [["figure", "count", "amount"]]
    for name, figure in report.figures.items():
        amount = "" if figure.amount is None else str(figure.amount)
        rows.append([name, str(figure.count), amount])
    for name, measure in report.time_to_act.items():
        median = "" if measure.median_hours is None else str(measure.median_hours)
        rows.append([f"median_hours.{name}", str(measure.measured), median])
    for entry in report.activity:
        rows.append([f"activity.{entry.role}.{entry.actor}", str(entry.steps), ""])
    rows += _visit_rows("visits", report.visits.totals)
    for category, counts in report.visits.by_category.items():
        rows += _visit_rows(f"visits.{category}", counts)
    return rows


def _visit_rows(prefix: str, counts: Counts) -> list[list[str]]:
    """Households and cases as counts, money and goods as amounts."""
    counted = ("selected", "visited", "not_reached", "not_visited", "cases_opened")
    return [
        *([f"{prefix}.{name}", str(getattr(counts, name)), ""] for name in counted),
        [f"{prefix}.cash", "", str(counts.cash)],
        [f"{prefix}.goods_value", "", str(counts.goods_value)],
    ]
