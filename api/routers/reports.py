"""Figures for supervisors and the county's dual-support office."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.kernel.errors import InvalidInput
from services.kernel.plausible import PeriodDate, QueryMoment
from services.kernel.values import SearchText
from services.reports.case_ids import figure_case_ids
from services.reports.summary import SummaryReport, period_bounds, report_rows, summary_report

router = APIRouter(prefix="/reports", tags=["reports"], responses=PROBLEMS)

PeriodFrom = Annotated[
    PeriodDate, Query(alias="from", description="First day, in the centre's time")
]
PeriodTo = Annotated[PeriodDate, Query(alias="to", description="Last day (inclusive)")]
AsOf = Annotated[QueryMoment | None, Query(description="Figures as they stood at this moment")]


class FigureCases(BaseModel):
    figure: str
    case_ids: list[str]
    next: str | None  # pass as ``after`` for the next page; null on the last one


def _checked(period_from: date, period_to: date, as_of: datetime | None) -> datetime:
    if period_to < period_from:
        raise InvalidInput("'to' is before 'from'", field="to", code="invalid_period")
    return datetime.now(UTC) if as_of is None else as_of


@router.get(
    "/summary",
    response_model=SummaryReport,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def get_summary(
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    period_from: PeriodFrom,
    period_to: PeriodTo,
    as_of: AsOf = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> SummaryReport | Response:
    """Placements by category, start-ups funded, relief granted, legal referrals and
    resolutions, training, retention, deadline compliance, median time to act (to two
    significant figures) and per-person steps for the period (dates inclusive, in the
    centre's time zone), for the caller's centre: counts and amounts, as JSON or CSV;
    the cases behind any figure are listed by `GET /reports/summary/cases`."""
    moment = _checked(period_from, period_to, as_of)
    report = summary_report(
        session=session,
        period_from=period_from,
        period_to=period_to,
        as_of=moment,
        tz=ZoneInfo(settings.centre_timezone),
        centre=user.centre,
    )
    if format == "json":
        return report
    buffer = io.StringIO()
    csv.writer(buffer).writerows(report_rows(report))
    filename = f"summary-{period_from}-{period_to}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/summary/cases", response_model=FigureCases)
def get_summary_cases(
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    figure: Annotated[
        SearchText,
        Query(
            description="A figure of the report as the CSV names it: `placements.veteran`, "
            "`compliance.eligibility.late`, `median_hours.infringement_to_referral`, "
            "`activity.<role>.<actor>`"
        ),
    ],
    period_from: PeriodFrom,
    period_to: PeriodTo,
    as_of: AsOf = None,
    after: Annotated[
        str, Query(max_length=100, description="The `next` of the previous page")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FigureCases:
    """The ids of the caller's centre's cases counted in one figure of the summary for
    the same period (and ``as_of``), sorted, a page at a time."""
    moment = _checked(period_from, period_to, as_of)
    start, end = period_bounds(period_from, period_to, moment, ZoneInfo(settings.centre_timezone))
    ids = figure_case_ids(
        session=session,
        figure=figure,
        start=start,
        end=end,
        centre=user.centre,
        after=after,
        limit=limit + 1,
    )
    return FigureCases(
        figure=figure, case_ids=ids[:limit], next=ids[limit - 1] if len(ids) > limit else None
    )
