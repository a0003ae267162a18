"""A member of staff back from a holiday visit, in the console: finds the campaign,
records the visit to a household, and opens a case for the need found there."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import api, assert_accessible, sign_in
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _campaign_with(stack: Stack, township: str) -> str:
    """A martyr's family in the register and an Army Day campaign that selects it."""
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    holiday = today + timedelta(days=10)
    with api(stack) as client:
        client.post("/register/people", params={"confirm_new": "true"}, json={
            "name": "赵桂芳", "category": "martyr_family", "township": township,
            "phone": "13907771111"}).raise_for_status()  # fmt: skip
        created = client.post("/campaigns", json={
            "name": f"八一走访慰问（{township}）", "holiday": str(holiday),
            "window_start": str(today), "window_end": str(holiday),
            "rule": {"any_of": [{"categories": ["martyr_family"]}]},
            "gift": {"cash": "600", "goods": [{"name": "食用油", "value": "80"}]}})  # fmt: skip
        created.raise_for_status()
        campaign = f"/campaigns/{created.json()['id']}"
        deadline = time.monotonic() + 60
        while not client.get(campaign).json()["selection_done"]:
            assert time.monotonic() < deadline, "the campaign selected no household"
            time.sleep(0.5)
    return str(created.json()["name"])


def test_staff_record_a_visit_and_open_a_case_for_the_need_found(
    console_stack: Stack, page: Page
) -> None:
    township = f"镇{uuid.uuid4().hex[:4]}"
    name = _campaign_with(console_stack, township)
    sign_in(page, console_stack, console_stack.add_user("visitor", "staff"))

    page.get_by_role("link", name="走访慰问", exact=True).click()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="登记走访").first.click()
    expect(page.get_by_role("heading", name="登记走访")).to_be_visible()
    expect(page.get_by_label("慰问金（元）")).to_have_value("600")  # the standard gift
    page.get_by_label("发现的情况").fill("老伴卧床，医药费负担重")
    page.get_by_label("随行领导（每行一人：姓名和职务）").fill("王志刚 副县长")
    assert_accessible(page)
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.get_by_role("status")).to_have_text("走访已登记。")
    expect(page.get_by_role("cell", name="已走访").first).to_be_visible()

    page.get_by_role("link", name="赵桂芳").click()
    expect(page.get_by_role("heading", name="赵桂芳")).to_be_visible()
    expect(page.get_by_text("老伴卧床，医药费负担重")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("发现需求：开立案件").click()
    page.get_by_role("checkbox", name="困难帮扶").check()
    page.get_by_role("button", name="登记案件").click()
    expect(page).to_have_url(re.compile(r"/console/cases/[0-9a-f-]+\?done=intake"))
    expect(page.get_by_text("走访中发现")).to_be_visible()
