"""Exports: the period's figures as the county office's workbook and as CSV, equal to the
JSON summary; the case list with its filters applied; each export in the access log."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.cases.model import ClaimantCategory, Need
from services.kernel.actors import Role
from services.reports.summary import summary_report
from services.users.records import AccessLogRecord
from tests.console.conftest import add_user, sign_in
from tests.console.supervision import YEAR, placed, record
from tests.unit.story import Story


def _actions(session_factory: sessionmaker[Session], username: str) -> list[tuple[str, str]]:
    with session_factory() as session:
        rows = session.scalars(select(AccessLogRecord).where(AccessLogRecord.username == username))
        return [(row.action, row.case_id) for row in rows]


async def test_the_workbook_holds_the_summarys_figures_their_cases_and_steps_per_person(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    veteran = placed("王建国")
    record(session_factory, veteran)
    record(session_factory, placed("刘洋", ClaimantCategory.MILITARY_FAMILY))
    supervisor = add_user(session_factory, Role.SUPERVISOR)
    await sign_in(browser, supervisor)

    answer = await browser.get("/console/exports/summary.xlsx", params=YEAR)

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        'attachment; filename="summary-2026-01-01-2026-12-31.xlsx"'
    )
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["汇总指标", "指标案件", "人员工作量"]
    figures = book["汇总指标"]
    assert figures["A1"].value == "退役军人服务中心工作情况统计表"
    assert figures["A2"].value == "填报单位：north"
    assert figures["A3"].value == "统计期间：2026年1月1日至2026年12月31日"
    with session_factory() as session:
        report = summary_report(
            session=session, period_from=date(2026, 1, 1), period_to=date(2026, 12, 31),
            as_of=datetime.now(UTC), tz=ZoneInfo("Asia/Shanghai"), centre="north",
        )  # fmt: skip
    counts = {row[2]: row[3] for row in figures.iter_rows(min_row=6, values_only=True)}
    assert counts["placements.veteran"] == report.figures["placements.veteran"].count >= 1
    assert all(counts[name] == figure.count for name, figure in report.figures.items())
    behind = [row for row in book["指标案件"].iter_rows(min_row=6, values_only=True)]
    assert ("安置就业（退役军人）", "placements.veteran", veteran.case_id) in behind
    people = [row[1] for row in book["人员工作量"].iter_rows(min_row=6, values_only=True)]
    assert "staff-1" in people
    assert ("console_export_summary", "") in _actions(session_factory, supervisor.username)


async def test_the_summary_csv_is_utf8_with_a_bom_for_excel_and_counts_as_the_summary(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    record(session_factory, placed("王建国"))
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    answer = await browser.get("/console/exports/summary.csv", params=YEAR)

    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["填报单位：north"]
    assert ["指标", "指标代码", "数量", "金额（元）或中位数（小时）"] in rows
    placements = next(row for row in rows if row[1:2] == ["placements.veteran"])
    assert placements[0] == "安置就业（退役军人）" and int(placements[2]) >= 1


async def test_the_case_list_exports_with_its_filters_and_every_case_is_access_logged(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    active, opened = placed("王建国"), Story.opened(Need.TRAINING, centre="north")
    record(session_factory, active)
    record(session_factory, opened)
    supervisor = add_user(session_factory, Role.SUPERVISOR)
    await sign_in(browser, supervisor)
    listed = await browser.get("/console/cases", params={"stage": "active"})
    assert 'href="/console/exports/cases.xlsx?stage=active"' in listed.text

    answer = await browser.get(
        "/console/exports/cases.xlsx", params={"stage": "active", "text": ""}
    )
    as_csv = await browser.get("/console/exports/cases.csv", params={"stage": "active"})

    sheet = load_workbook(io.BytesIO(answer.content))["案件"]
    assert sheet["A1"].value == "案件清单"
    ids = [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)]
    assert active.case_id in ids and opened.case_id not in ids
    row = next(r for r in sheet.iter_rows(min_row=6, values_only=True) if r[0] == active.case_id)
    assert row[1:4] == ("王建国", "退役军人", "办理中")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")
    assert active.case_id in as_csv.text and opened.case_id not in as_csv.text
    logged = _actions(session_factory, supervisor.username)
    assert logged.count(("console_export_cases", active.case_id)) == 2
    assert ("console_export_cases", opened.case_id) not in logged


async def test_the_case_list_exports_what_its_search_finds(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    wanted, other = placed("王建国"), placed("刘洋")
    record(session_factory, wanted)
    record(session_factory, other)
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    answer = await browser.get("/console/exports/cases.csv", params={"text": "王建国"})

    assert answer.status_code == 200, answer.text
    assert wanted.case_id in answer.text and other.case_id not in answer.text


@pytest.mark.parametrize("role", [Role.STAFF, Role.LAWYER, Role.ADMIN])
async def test_exports_are_refused_to_every_other_role(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session], role: Role
) -> None:
    await sign_in(browser, add_user(session_factory, role))

    for name in ("summary.xlsx", "summary.csv", "cases.xlsx", "cases.csv"):
        assert (await browser.get(f"/console/exports/{name}")).status_code == 403, name
