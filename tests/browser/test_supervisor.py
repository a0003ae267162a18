"""A supervisor audits the year in the console: from the dashboard's figure to its cases,
to a case's timeline audit (verified, and as it stood before a step), and the year's
workbook, which agrees with the JSON summary."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.support import api, assert_accessible, open_case_by_api, sign_in
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
CENTRE_TIME = ZoneInfo("Asia/Shanghai")


def _placed_veteran(stack: Stack, name: str) -> tuple[str, datetime]:
    """A veteran placed in a job through the API; the placement two seconds after the offer,
    so that a moment to the second falls between them. Returns the case and that moment."""
    case_id = open_case_by_api(
        stack, {"claimant": {"name": name, "category": "veteran"}, "needs": ["job_referral"]}
    )
    with api(stack) as client:
        for path, body in [
            ("assessment/start", {}),
            ("assessment", {"accepted": True}),
            (
                "referrals",
                {"employer": "县物流公司", "position": "驾驶员", "referred_on": "2026-03-05"},
            ),
        ]:
            client.post(f"/cases/{case_id}/{path}", json=body).raise_for_status()
        referral = client.get(f"/cases/{case_id}").json()["referrals"][0]["id"]
        client.post(f"/cases/{case_id}/referrals/{referral}/offer", json={}).raise_for_status()
        time.sleep(2.5)
        between = datetime.now(CENTRE_TIME).replace(microsecond=0) - timedelta(seconds=1)
        client.post(
            f"/cases/{case_id}/referrals/{referral}/placement",
            json={"starts_on": "2026-03-09", "monthly_wage": "4200"},
        ).raise_for_status()
    return case_id, between


def test_supervisor_follows_a_figure_to_a_case_and_audits_its_timeline(
    console_stack: Stack, page: Page
) -> None:
    case_id, before_placement = _placed_veteran(console_stack, "孙志强")
    sign_in(page, console_stack, console_stack.add_user("supervisor-zhou", "supervisor"))

    page.get_by_role("link", name="统计概览").click()
    expect(page.get_by_role("heading", name="统计概览", exact=True)).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Excel工作簿（县双拥办报表格式）").click()
    book = load_workbook(io.BytesIO(downloading.value.path().read_bytes()))
    year = datetime.now(CENTRE_TIME).year
    with api(console_stack, "supervisor") as client:
        summary = client.get(
            "/reports/summary", params={"from": f"{year}-01-01", "to": f"{year}-12-31"}
        ).json()
    counts = {row[2]: row[3] for row in book["汇总指标"].iter_rows(min_row=6, values_only=True)}
    assert counts["placements.veteran"] == summary["figures"]["placements.veteran"]["count"] >= 1

    page.get_by_role("link", name=re.compile(r"^安置就业（退役军人）: \d+$")).first.click()
    expect(page.get_by_role("heading", name="安置就业（退役军人）")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="孙志强").click()
    expect(page.get_by_role("heading", name="孙志强")).to_be_visible()
    page.get_by_role("link", name="时间线审计").click()

    expect(page.locator("#chain")).to_contain_text("已验证")
    expect(page.get_by_role("cell", name="就业已记录")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("时刻（中心当地时间）", exact=True).fill(
        before_placement.strftime("%Y-%m-%dT%H:%M:%S")
    )
    page.get_by_role("button", name="显示当时的案件").click()
    then = page.get_by_role("list", name="截至当时已记录的步骤")
    expect(then).to_contain_text("录用已记录")
    expect(then).not_to_contain_text("就业已记录")
    assert f"/console/cases/{case_id}/audit?as_of=" in page.url
    assert_accessible(page)


def test_a_staff_member_opening_the_dashboard_is_refused(console_stack: Stack, page: Page) -> None:
    sign_in(page, console_stack, console_stack.add_user("desk-wu", "staff"))

    expect(page.get_by_role("link", name="统计概览")).to_have_count(0)
    answer = page.goto(f"{console_stack.api_url}/console/dashboard")

    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="无权操作")).to_be_visible()
