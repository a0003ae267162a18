"""The supervisor's dashboard: the period's figures as charts and numbers, open cases by
stage and owner, and the cases behind any figure (the drill-down)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.console import dashboard
from api.console.pages import language_of, render
from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from services.cases import queries
from services.kernel.actors import Role
from services.reports.case_ids import figure_case_ids
from services.reports.open_cases import open_cases
from services.reports.summary import period_bounds, summary_report

router = APIRouter(prefix="/console", include_in_schema=False)
From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query(alias="to")]
CASES_SHOWN = 50


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    period_from: From = None,
    period_to: To = None,
) -> HTMLResponse:
    """The centre's figures of the period (by default this year), as charts and numbers,
    each linking to its cases; open cases by stage and by owner."""
    period = dashboard.period_of(
        period_from, period_to, datetime.now(UTC), settings.centre_timezone
    )
    report = summary_report(
        session=session,
        period_from=period.start,
        period_to=period.end,
        as_of=period.as_of,
        tz=ZoneInfo(settings.centre_timezone),
        centre=user.centre,
    )
    stages, owners = dashboard.open_counts(open_cases(session=session, centre=user.centre))
    language = language_of(request, user)
    return render(
        request,
        "dashboard.html",
        user=user,
        period=period,
        report=report,
        charts=dashboard.charts(report, period, language),
        compliance=dashboard.compliance(report, period, language),
        figures=dashboard.figure_rows(report, period, language),
        times={
            name: (dashboard.figure_title(name, language), measure)
            for name, measure in report.time_to_act.items()
        },
        activity=[
            (
                entry,
                Role(entry.role),
                dashboard.figure_href(f"activity.{entry.role}.{entry.actor}", period),
            )
            for entry in report.activity
        ],
        stages=stages,
        owners=owners,
    )


@router.get("/dashboard/cases")
def figure_cases(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    figure: Annotated[str, Query(min_length=1, max_length=200)],
    period_from: From = None,
    period_to: To = None,
    after: Annotated[str, Query(max_length=36)] = "",
) -> HTMLResponse:
    """The cases counted in one figure of the period (as ``GET /reports/summary/cases``)."""
    period = dashboard.period_of(
        period_from, period_to, datetime.now(UTC), settings.centre_timezone
    )
    start, end = period_bounds(
        period.start, period.end, period.as_of, ZoneInfo(settings.centre_timezone)
    )
    ids = figure_case_ids(
        session=session,
        figure=figure,
        start=start,
        end=end,
        centre=user.centre,
        after=after,
        limit=CASES_SHOWN + 1,
    )
    shown = ids[:CASES_SHOWN]
    more = len(ids) > CASES_SHOWN
    return render(
        request,
        "figure_cases.html",
        user=user,
        here="/console/dashboard",
        period=period,
        figure=figure,
        title=dashboard.figure_title(figure, language_of(request, user)),
        cases=queries.case_summaries(session=session, case_ids=shown, centre=user.centre),
        next_href=(
            f"/console/dashboard/cases?{period.query(figure=figure, after=shown[-1])}"
            if more
            else None
        ),
    )
