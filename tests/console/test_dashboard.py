"""The supervisor's dashboard: the summary's figures as the JSON report counts them, each
linking to the cases it counts; open cases by stage and owner; only for supervisors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.console.dashboard import figure_title
from services.cases.model import ClaimantCategory, Need
from services.kernel.actors import Role
from services.reports.counting import COMPLIANCE_NAMES, FIGURE_NAMES, TIME_TO_ACT
from services.reports.summary import summary_report
from tests.console.conftest import add_user, sign_in
from tests.console.supervision import YEAR, placed, record
from tests.unit.story import Story


async def test_the_dashboard_counts_as_the_summary_and_each_figure_opens_its_cases(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    record(session_factory, placed("王建国"))
    # A name no other test gives a veteran: the PostgreSQL database is shared by the
    # test files one process runs.
    record(session_factory, placed("欧阳兰", ClaimantCategory.MILITARY_FAMILY))
    record(session_factory, Story.opened(Need.TRAINING, centre="north"))
    supervisor = add_user(session_factory, Role.SUPERVISOR)
    await sign_in(browser, supervisor)

    page = await browser.get("/console/dashboard", params=YEAR)

    assert page.status_code == 200
    assert 'href="/console/dashboard" aria-current="page"' in page.text
    with session_factory() as session:
        report = summary_report(
            session=session, period_from=date(2026, 1, 1), period_to=date(2026, 12, 31),
            as_of=datetime.now(UTC), tz=ZoneInfo("Asia/Shanghai"), centre="north",
        )  # fmt: skip
    assert report.figures["placements.veteran"].count >= 1
    link = "/console/dashboard/cases?from=2026-01-01&amp;to=2026-12-31&amp;figure="
    for name in ("placements", "placements.veteran", "placements.military_family"):
        count = report.figures[name].count
        assert f'{link}{name}" aria-label="' in page.text
        assert f'aria-label="{_title(name)}: {count}">{count}</a>' in page.text
    veterans = await browser.get(
        "/console/dashboard/cases", params={**YEAR, "figure": "placements.veteran"}
    )
    assert veterans.status_code == 200
    assert "<h1>安置就业（退役军人）</h1>" in veterans.text
    assert "王建国" in veterans.text and "欧阳兰" not in veterans.text


def _title(name: str) -> str:
    return {
        "placements": "安置就业",
        "placements.veteran": "安置就业（退役军人）",
        "placements.military_family": "安置就业（军人家属）",
    }[name]


async def test_open_cases_are_counted_by_stage_and_by_caseworker_with_links_to_them(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    record(session_factory, Story.opened(Need.TRAINING, centre="north"))
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    page = await browser.get("/console/dashboard", params=YEAR)

    assert 'href="/console/cases?stage=intake">' in page.text
    assert 'href="/console/cases?intake_by=staff-1">' in page.text
    listed = await browser.get("/console/cases", params={"intake_by": "staff-1"})
    assert listed.status_code == 200 and "Li Wei" in listed.text


@pytest.mark.parametrize("role", [Role.STAFF, Role.LAWYER, Role.ADMIN])
async def test_the_dashboard_and_its_drill_down_are_refused_to_every_other_role(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session], role: Role
) -> None:
    await sign_in(browser, add_user(session_factory, role))

    for path in ("/console/dashboard", "/console/dashboard/cases?figure=placements"):
        answer = await browser.get(path)
        assert answer.status_code == 403, path
        assert "您的角色无权进行此操作" in answer.text
    assert 'href="/console/dashboard"' not in (await browser.get("/console/")).text


async def test_an_unknown_figure_or_a_period_ending_before_it_starts_is_a_clear_422(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    unknown = await browser.get("/console/dashboard/cases", params={"figure": "nonsense"})
    backwards = await browser.get(
        "/console/dashboard", params={"from": "2026-05-01", "to": "2026-04-01"}
    )

    assert unknown.status_code == 422 and 'data-problem-code="unknown_figure"' in unknown.text
    assert backwards.status_code == 422 and 'data-problem-code="invalid_period"' in backwards.text


def test_every_figure_of_the_report_has_a_chinese_title() -> None:
    names = [*FIGURE_NAMES, *COMPLIANCE_NAMES, *(f"median_hours.{n}" for n in TIME_TO_ACT)]

    untitled = [name for name in names if figure_title(name, "zh_CN") in (name, "")]
    english = [name for name in names if figure_title(name, "zh_CN").isascii()]

    assert untitled == [] and english == []
