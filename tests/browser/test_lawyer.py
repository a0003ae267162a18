"""A lawyer follows an infringement in the console, and sees nothing that is not theirs."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, assign_lawyer, open_case_by_api, sign_in
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
CLOCK_PASSES_WITHIN_S = 90


def _legal_case(stack: Stack, name: str, lawyer: str) -> str:
    case_id = open_case_by_api(
        stack, {"claimant": {"name": name, "category": "martyr_family"}, "needs": ["legal_aid"]}
    )
    assign_lawyer(stack, case_id, lawyer)
    return case_id


def test_lawyer_records_an_infringement_and_refers_it_late_with_a_reason(
    console_stack: Stack, page: Page
) -> None:
    case_id = _legal_case(console_stack, "李秀英", "lawyer-li")
    sign_in(page, console_stack, "lawyer-li")

    page.get_by_role("link", name="案件").click()
    page.get_by_role("link", name="李秀英").click()
    page.get_by_role("link", name="登记侵权事项").click()
    page.get_by_label("侵权事实").fill("用人单位以其丈夫服役为由拒发工资三个月")
    page.get_by_label("侵权方").fill("县某制衣厂")
    page.get_by_role("button", name="记录").click()
    expect(page.get_by_role("status")).to_have_text("已记录：登记侵权事项。")

    page.get_by_role("link", name="我的法律事项").click()
    expect(page.get_by_role("cell", name="县某制衣厂")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="M", exact=False).first.click()
    expect(page.get_by_role("heading", name="法律事项 M", exact=False)).to_be_visible()
    assert_accessible(page)

    # The referral clock (20 s in this stack) passes: the form then asks why it is late.
    deadline = time.monotonic() + CLOCK_PASSES_WITHIN_S
    while True:
        page.get_by_role("link", name="通报部门").click()
        if page.get_by_label("延误原因").count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(2000)
        page.reload()
    form = page.locator("#step-slot form")
    form.get_by_label("部门").select_option(label="劳动保障监察")
    form.get_by_label("通报方式").select_option(label="函件")
    form.get_by_label("延误原因").fill("当事人补充证据后才能通报")
    assert_accessible(page)
    form.get_by_role("button", name="记录").click()

    expect(page.get_by_role("status")).to_have_text("已记录：通报部门。")
    matter = page.get_by_role("region", name="法律援助")
    expect(matter.get_by_role("heading", name="已通报部门", exact=False)).to_be_visible()
    timeline = page.get_by_role("region", name="办理记录")
    expect(timeline).to_contain_text("当事人补充证据后才能通报")
    assert case_id in page.url


def test_a_lawyer_opening_another_lawyers_case_gets_the_not_found_page(
    console_stack: Stack, page: Page
) -> None:
    theirs = _legal_case(console_stack, "周红梅", "lawyer-zhou")
    console_stack.lawyer("lawyer-li")
    sign_in(page, console_stack, "lawyer-li")

    answer = page.goto(f"{console_stack.api_url}/console/cases/{theirs}")

    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    expect(page.get_by_text("周红梅")).to_have_count(0)
    assert_accessible(page)
