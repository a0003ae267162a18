"""Downloads for supervisors: the period's figures (Excel in the county office's layout,
or CSV) and the case list with its filters applied. Every export is access-logged."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.console import exports
from api.console.dashboard import Period, period_of
from api.console.routes.cases import FILTERS
from api.console.routes.reports import From, To
from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from services.cases import queries
from services.cases.search import search_key
from services.db import lazy_commit
from services.reports.case_ids import figure_case_ids
from services.reports.summary import SummaryReport, period_bounds, summary_report
from services.users.access_log import CENTRE_WIDE, record_export
from services.users.model import User
from services.users.policy import visible_cases

router = APIRouter(prefix="/console/exports", include_in_schema=False)
CASES_MAX = 5000  # rows of a case list export, and case ids per figure in the workbook
PAGE = 1000


def _download(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _logged(
    session: Session, user: User, case_ids: list[str], action: str, fields: list[str]
) -> None:
    lazy_commit(session)
    record_export(
        session=session,
        user=user,
        centre=user.centre,
        case_ids=case_ids,
        action=action,
        fields=fields,
    )
    session.commit()


def _summary(session: Session, user: User, period: Period, zone: str) -> SummaryReport:
    return summary_report(
        session=session,
        period_from=period.start,
        period_to=period.end,
        as_of=period.as_of,
        tz=ZoneInfo(zone),
        centre=user.centre,
    )


def _cases_behind(
    session: Session, user: User, report: SummaryReport, period: Period, zone: str
) -> dict[str, list[str]]:
    start, end = period_bounds(period.start, period.end, period.as_of, ZoneInfo(zone))
    behind: dict[str, list[str]] = {}
    for name, figure in report.figures.items():
        ids: list[str] = []
        while figure.count and len(ids) < CASES_MAX:
            page = figure_case_ids(
                session=session, figure=name, start=start, end=end, centre=user.centre,
                after=ids[-1] if ids else "", limit=PAGE,
            )  # fmt: skip
            ids += page
            if len(page) < PAGE:
                break
        if ids:
            behind[name] = ids[:CASES_MAX]
    return behind


@router.get("/summary.xlsx")
def summary_workbook(
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    period_from: From = None,
    period_to: To = None,
) -> Response:
    """The period's figures, the cases behind each and the steps per person, as a workbook."""
    zone = settings.centre_timezone
    period = period_of(period_from, period_to, datetime.now(UTC), zone)
    report = _summary(session, user, period, zone)
    body = exports.summary_workbook(
        report, period, user.centre, zone, _cases_behind(session, user, report, period, zone)
    )
    _logged(
        session,
        user,
        [CENTRE_WIDE],
        "console_export_summary",
        ["report.figures", "report.cases", "report.activity"],
    )
    return _download(body, exports.XLSX, f"summary-{period.start}-{period.end}.xlsx")


@router.get("/summary.csv")
def summary_csv(
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    period_from: From = None,
    period_to: To = None,
) -> Response:
    """The period's figures as CSV (UTF-8 with a byte order mark, as Excel wants it)."""
    zone = settings.centre_timezone
    period = period_of(period_from, period_to, datetime.now(UTC), zone)
    body = exports.summary_csv(_summary(session, user, period, zone), period, user.centre, zone)
    _logged(session, user, [CENTRE_WIDE], "console_export_summary", ["report.figures"])
    return _download(
        body.encode(), "text/csv; charset=utf-8", f"summary-{period.start}-{period.end}.csv"
    )


def _listed(
    request: Request, session: Session, user: User
) -> tuple[list[queries.CaseSummary], list[str]]:
    """The cases of the case list's filters (as its page reads them), newest first."""
    given = {key: value for key, value in request.query_params.items() if value and key in FILTERS}
    try:
        where = queries.CaseFilter.model_validate(given)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors()) from None
    visible = visible_cases(user, where)
    settings = request.app.state.settings
    cases = (
        queries.list_cases(
            session=session,
            limit=CASES_MAX,
            where=visible,
            search_key=search_key(settings.identity_key()) if where.text else None,
        ).items
        if visible
        else []
    )
    filters = [
        exports.zh(exports.N_("Filter: %(name)s = %(value)s")) % {"name": key, "value": value}
        for key, value in given.items()
    ]
    return cases, filters


@router.get("/cases.xlsx")
def cases_workbook(
    request: Request, session: SessionDep, settings: SettingsDep, user: SignedIn
) -> Response:
    """The case list with its filters applied, as a workbook (names are logged as read)."""
    cases, filters = _listed(request, session, user)
    moment = exports.zh(exports.N_("Exported at %(moment)s")) % {
        "moment": exports.i18n.Formats(exports.LANGUAGE, settings.centre_timezone).moment(
            datetime.now(UTC)
        )
    }
    body = exports.cases_workbook(cases, filters, user.centre, settings.centre_timezone, moment)
    _logged(session, user, [case.id for case in cases], "console_export_cases", ["claimant.name"])
    return _download(body, exports.XLSX, "cases.xlsx")


@router.get("/cases.csv")
def cases_csv(
    request: Request, session: SessionDep, settings: SettingsDep, user: SignedIn
) -> Response:
    """The case list with its filters applied, as CSV."""
    cases, _ = _listed(request, session, user)
    body = exports.cases_csv(cases, settings.centre_timezone)
    _logged(session, user, [case.id for case in cases], "console_export_cases", ["claimant.name"])
    return _download(body.encode(), "text/csv; charset=utf-8", "cases.csv")
