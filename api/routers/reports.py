"""Figures for supervisors and the county's dual-support office."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.cases.errors import InvalidInput
from services.reports.summary import SummaryReport, report_rows, summary_report
from services.values import Moment

router = APIRouter(prefix="/reports", tags=["reports"], responses=PROBLEMS)


@router.get(
    "/summary",
    response_model=SummaryReport,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def get_summary(
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
    as_of: Annotated[
        Moment | None, Query(description="Figures as they stood at this moment")
    ] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> SummaryReport | Response:
    """Placements by category, start-ups funded, relief granted, legal referrals and
    resolutions, training, retention, time to act and per-person activity for the period
    (dates inclusive, in the centre's time zone), for the caller's centre; every figure
    lists its case ids."""
    if period_to < period_from:
        raise InvalidInput("'to' is before 'from'", field="to", code="invalid_period")
    moment = datetime.now(UTC) if as_of is None else as_of
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
