"""Exports for the county's dual-support office: the period's figures as a workbook in the
office's layout (figures; the cases behind each; steps per person) or as CSV, and the case
list. Headings are Chinese whatever the reader's language: the office files them so."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from api.console import i18n
from api.console.dashboard import Period, figure_title
from api.console.labels import N_, message_of
from services.cases.queries import CaseSummary
from services.kernel.actors import Role
from services.reports.summary import SummaryReport

LANGUAGE = "zh_CN"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only after it


def zh(message: str) -> str:
    return i18n.gettext(LANGUAGE, message)


def _fmt(zone: str) -> i18n.Formats:
    return i18n.Formats(LANGUAGE, zone)


def _head(sheet: Worksheet, title: str, lines: list[str], columns: Sequence[str]) -> None:
    """The office's heading: a title across the sheet, the unit and period, then columns."""
    width = len(columns)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for line in lines:
        sheet.append([line])
        row = sheet.max_row
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.append(list(columns))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, _ in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 18 if index > 1 else 10
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def _lines(period: Period, centre: str, zone: str) -> list[str]:
    fmt = _fmt(zone)
    return [
        zh(N_("Reporting unit: %(centre)s")) % {"centre": centre},
        zh(N_("Period: %(start)s to %(end)s"))
        % {"start": fmt.day(period.start), "end": fmt.day(period.end)},
        zh(N_("Figures as of %(moment)s")) % {"moment": fmt.moment(period.as_of)},
    ]


def figure_rows(report: SummaryReport) -> list[tuple[str, str, int, Any]]:
    """Each figure as the office lists it: its name, its code (the JSON report's), count, amount."""
    rows: list[tuple[str, str, int, Any]] = [
        (figure_title(name, LANGUAGE), name, figure.count, figure.amount)
        for name, figure in report.figures.items()
    ]
    rows += [
        (
            figure_title(f"median_hours.{name}", LANGUAGE),
            f"median_hours.{name}",
            measure.measured,
            measure.median_hours,
        )
        for name, measure in report.time_to_act.items()
    ]
    return rows


def summary_workbook(
    report: SummaryReport,
    period: Period,
    centre: str,
    zone: str,
    cases_behind: dict[str, list[str]],
) -> bytes:
    book = Workbook()
    figures = book.active
    assert figures is not None
    figures.title = zh(N_("Figures"))
    lines = _lines(period, centre, zone)
    columns = [
        zh(N_("No.")),
        zh(N_("Figure")),
        zh(N_("Figure code")),
        zh(N_("Count")),
        zh(N_("Amount (yuan) or median (hours)")),
    ]
    _head(figures, zh(N_("Veterans' assistance centre: figures of the period")), lines, columns)
    for number, (title, code, count, amount) in enumerate(figure_rows(report), start=1):
        figures.append([number, title, code, count, float(amount) if amount is not None else None])
    cases = book.create_sheet(zh(N_("Cases behind each figure")))
    _head(
        cases,
        zh(N_("Cases counted in each figure")),
        lines,
        [zh(N_("Figure")), zh(N_("Figure code")), zh(N_("Case number"))],
    )
    for code, ids in cases_behind.items():
        for case_id in ids:
            cases.append([figure_title(code, LANGUAGE), code, case_id])
    people = book.create_sheet(zh(N_("Steps per person")))
    _head(
        people,
        zh(N_("Steps recorded per person")),
        lines,
        [zh(N_("No.")), zh(N_("Person")), zh(N_("Role")), zh(N_("Steps"))],
    )
    for number, entry in enumerate(report.activity, start=1):
        people.append([number, entry.actor, zh(message_of(Role(entry.role))), entry.steps])
    return _saved(book)


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def summary_csv(report: SummaryReport, period: Period, centre: str, zone: str) -> str:
    lines = [[line] for line in _lines(period, centre, zone)]
    columns = [
        zh(N_("Figure")),
        zh(N_("Figure code")),
        zh(N_("Count")),
        zh(N_("Amount (yuan) or median (hours)")),
    ]
    rows = [
        [title, code, count, "" if amount is None else amount]
        for title, code, count, amount in figure_rows(report)
    ]
    return _csv([*lines, columns, *rows])


def _csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


CASE_COLUMNS = (
    N_("Case number"), N_("Name"), N_("Category"), N_("Stage"), N_("Needs"), N_("Caseworker"),
    N_("Lawyer"), N_("Opened"), N_("Closed"), N_("Outcome"),
)  # fmt: skip


def _case_row(case: CaseSummary, fmt: i18n.Formats) -> list[str]:
    return [
        case.id,
        case.claimant_name,
        zh(message_of(case.category)),
        zh(message_of(case.stage)),
        "、".join(zh(message_of(need)) for need in case.needs),
        case.intake_by,
        case.lawyer or "",
        fmt.moment(case.opened_at),
        fmt.moment(case.closed_at),
        zh(message_of(case.outcome)) if case.outcome else "",
    ]


def cases_workbook(
    cases: list[CaseSummary], filters: list[str], centre: str, zone: str, period_line: str
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = zh(N_("Cases"))
    lines = [zh(N_("Reporting unit: %(centre)s")) % {"centre": centre}, period_line, *filters]
    _head(sheet, zh(N_("List of cases")), lines, [zh(column) for column in CASE_COLUMNS])
    fmt = _fmt(zone)
    for case in cases:
        sheet.append(_case_row(case, fmt))
    return _saved(book)


def cases_csv(cases: list[CaseSummary], zone: str) -> str:
    fmt = _fmt(zone)
    return _csv(
        [[zh(column) for column in CASE_COLUMNS], *(_case_row(case, fmt) for case in cases)]
    )
