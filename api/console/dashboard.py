"""The supervisor's dashboard as a page shows it: the summary's figures (the same report
as ``GET /reports/summary``) grouped into charts, each figure with the link to its cases.

Charts are bars drawn server-side (SVG, hidden from screen readers) beside the numbers
they draw, which are the accessible text and the links: no script, nothing to vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from api.console import i18n
from api.console.labels import FIGURE_NAMES, N_, message_of
from services.deadlines.policy import STALE, ClockKind
from services.kernel.errors import InvalidInput
from services.reports.counting import FIGURES, names_of, split_values
from services.reports.open_cases import OpenCases
from services.reports.summary import SummaryReport

ON_TIME, LATE = N_("on time"), N_("late")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    as_of: datetime

    def query(self, **more: str) -> str:
        return urlencode({"from": self.start.isoformat(), "to": self.end.isoformat(), **more})


def period_of(start: date | None, end: date | None, now: datetime, zone: str) -> Period:
    """The period asked for; by default the calendar year so far, in the centre's time."""
    today = now.astimezone(ZoneInfo(zone)).date()
    start = start or date(today.year, 1, 1)
    end = end or date(start.year, 12, 31)
    if end < start:
        raise InvalidInput("'to' is before 'from'", field="to", code="invalid_period")
    return Period(start, end, now)


@dataclass(frozen=True)
class Bar:
    name: str  # the figure's name in the report
    title: str  # in the reader's language
    count: int
    amount: Decimal | None
    share: float  # of the chart's longest bar, 0 to 1
    href: str | None  # the figure's cases


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    bars: list[Bar]


def figure_title(name: str, language: str) -> str:
    """A figure's name as the reader reads it (``placements.veteran``: 安置就业（退役军人）)."""
    text = i18n.translations(language).ugettext
    if name in FIGURE_NAMES:
        return text(FIGURE_NAMES[name])
    if name.startswith("compliance."):
        _, kind, met = name.split(".")
        clock = text(message_of(ClockKind(kind)))
        return text(N_("%(clock)s, %(met)s")) % {
            "clock": clock,
            "met": text(ON_TIME if met == "on_time" else LATE),
        }
    if name.startswith("median_hours."):
        return text(FIGURE_NAMES.get(name.removeprefix("median_hours."), name))
    if name.startswith("activity."):
        actor = name.split(".", 2)[2]
        return text(N_("Steps by %(actor)s")) % {"actor": actor}
    return name


def _bars(names: list[str], report: SummaryReport, period: Period, language: str) -> list[Bar]:
    figures = [(name, report.figures[name]) for name in names if name in report.figures]
    longest = max((figure.count for _, figure in figures), default=0) or 1
    return [
        Bar(
            name=name,
            title=figure_title(name, language),
            count=figure.count,
            amount=figure.amount,
            share=figure.count / longest,
            href=figure_href(name, period),
        )
        for name, figure in figures
    ]


def figure_href(name: str, period: Period) -> str:
    return f"/console/dashboard/cases?{period.query(figure=name)}"


def charts(report: SummaryReport, period: Period, language: str) -> list[Chart]:
    """A chart per figure that the report splits (by category, by department), then one
    of every other figure's count."""
    split = [figure for figure in FIGURES if figure.by and split_values(figure)]
    made = [
        Chart(
            key=figure.name,
            title=figure_title(figure.name, language),
            bars=_bars(
                [f"{figure.name}.{value}" for value in split_values(figure)],
                report,
                period,
                language,
            ),
        )
        for figure in split
    ]
    whole = [figure.name for figure in FIGURES if figure.total and figure not in split]
    title = i18n.gettext(language, N_("Other figures of the period"))
    return [*made, Chart(key="totals", title=title, bars=_bars(whole, report, period, language))]


@dataclass(frozen=True)
class Compliance:
    kind: ClockKind
    on_time: Bar
    late: Bar

    @property
    def rate(self) -> float | None:
        met = self.on_time.count + self.late.count
        return self.on_time.count / met if met else None


def compliance(report: SummaryReport, period: Period, language: str) -> list[Compliance]:
    """Clocks met on time and late, per kind of clock (stale-case clocks are not deadlines)."""
    rows = []
    for kind in ClockKind:
        if kind.value in STALE:
            continue
        on_time, late = _bars(
            [f"compliance.{kind.value}.on_time", f"compliance.{kind.value}.late"],
            report,
            period,
            language,
        )
        met = (on_time.count + late.count) or 1
        rows.append(
            Compliance(
                kind,
                replace(on_time, share=on_time.count / met),
                replace(late, share=late.count / met),
            )
        )
    return rows


def figure_rows(report: SummaryReport, period: Period, language: str) -> list[Bar]:
    """Every figure of the report, in the report's order, as a row of the figures' table."""
    names = [name for figure in FIGURES for name in names_of(figure)]
    return _bars(names, report, period, language)


@dataclass(frozen=True)
class Count:
    value: object  # a stage, or an owner's user name
    count: int
    share: float
    href: str


def open_counts(counts: OpenCases) -> tuple[list[Count], list[Count]]:
    by_stage = counts.by_stage
    longest = max(by_stage.values(), default=0) or 1
    stages = [
        Count(stage, n, n / longest, f"/console/cases?{urlencode({'stage': stage.value})}")
        for stage, n in by_stage.items()
    ]
    most = max((row.cases for row in counts.by_owner), default=0) or 1
    owners = [
        Count(
            row.owner,
            row.cases,
            row.cases / most,
            f"/console/cases?{urlencode({'intake_by': row.owner})}",
        )
        for row in counts.by_owner
    ]
    return stages, owners
