"""A centre's staff member at work in the console, as a person would go about it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.support import assert_accessible, open_case_by_api, sign_in
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _take(page: Page, button: str, fields: dict[str, str] | None = None) -> None:
    """Open a step's form by its button, fill it by labels, record it."""
    page.get_by_role("link", name=button, exact=True).first.click()
    form = page.locator("#step-slot form")
    expect(form).to_be_visible()
    for label, value in (fields or {}).items():
        field = form.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    form.get_by_role("button", name="记录").click()
    expect(page.get_by_role("status")).to_have_text(f"已记录：{button}。")


def _fact(where: Locator, term: str) -> Locator:
    """The value of a term in a list of facts (``<dt>`` then ``<dd>``)."""
    return where.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def test_staff_opens_a_case_past_a_duplicate_warning_and_works_it_to_a_placement(
    console_stack: Stack, page: Page
) -> None:
    person = {"name": "王建国", "category": "veteran", "phone": "13800138001"}
    existing = open_case_by_api(console_stack, {"claimant": person, "needs": ["job_referral"]})
    other = {"name": "刘洋", "category": "military_family"}
    open_case_by_api(console_stack, {"claimant": other, "needs": ["training"]})
    sign_in(page, console_stack, console_stack.add_user("desk", "staff"))
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="案件", exact=True).click()
    search = page.get_by_label("姓名、拼音、拼音首字母、摘要或案件编号")
    search.fill("wjg")  # 王建国's initials
    # Enter searches whether or not htmx (a deferred script) is running yet: the form is a
    # plain GET form underneath, and filling before the script loads fires no htmx event.
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"text=wjg"))
    expect(page.get_by_role("link", name="刘洋")).to_have_count(0)
    expect(page.get_by_role("link", name="王建国")).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="登记新案件").click()
    expect(page.get_by_role("heading", name="登记新案件")).to_be_visible()
    page.get_by_label("姓名").fill("王建国")
    page.get_by_label("优抚类别").select_option(label="退役军人")
    page.get_by_label("电话").fill("13800138001")
    page.get_by_role("checkbox", name="职业培训").check()
    page.get_by_role("checkbox", name="职业介绍与安置就业").check()
    page.get_by_role("button", name="登记案件").click()

    warning = page.get_by_role("region", name="此人可能已有未办结的案件")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="王建国")).to_have_attribute(
        "href", f"/console/cases/{existing}"
    )
    assert_accessible(page)
    page.get_by_role("checkbox", name="仍然登记新案件").check()
    page.get_by_label("登记新案件的理由").fill("原案件为另一次求助，本次为新的培训需求")
    page.get_by_role("button", name="登记案件").click()

    expect(page.get_by_role("heading", name="王建国")).to_be_visible()
    assert f"/console/cases/{existing}" not in page.url
    _take(page, "开始资格审核")
    page.get_by_role("link", name="认定资格", exact=True).click()
    page.get_by_role("radio", name="是").check()
    page.locator("#step-slot").get_by_role("button", name="记录").click()
    expect(page.get_by_role("status")).to_have_text("已记录：认定资格。")
    _take(
        page,
        "报名培训",
        {"培训课程": "电工上岗培训", "培训机构": "县职业技能培训中心", "开始日期": "2026-03-02",
         "结束日期": "2026-04-30"},
    )  # fmt: skip
    _take(page, "推荐就业", {"用人单位": "县物流公司", "岗位": "驾驶员", "推荐日期": "2026-03-05"})
    _take(page, "录用", {"月工资（元）": "4200"})
    _take(page, "已就业", {"开始日期": "2026-03-20", "月工资（元）": "4200"})
    referrals = page.get_by_role("region", name="职业介绍与安置就业")
    expect(referrals.get_by_role("heading", name=re.compile("已就业"))).to_be_visible()
    assert_accessible(page)

    _take(
        page,
        "添加联系记录",
        {"联系方式": "电话", "发生时间": "2026-03-21T09:30",
         "备注": "电话回访：已到岗，工资按月发放"},
    )  # fmt: skip
    notes = page.get_by_role("region", name="联系记录", exact=True)
    expect(notes.get_by_role("article")).to_have_count(1)
    note = notes.get_by_role("article").first
    expect(note).to_contain_text("电话回访：已到岗，工资按月发放")
    expect(note.get_by_role("heading")).to_contain_text("电话")
    expect(note.get_by_role("heading")).to_contain_text("2026")
    number = _fact(page.get_by_role("main"), "案件编号")
    expect(number).to_have_text(re.compile(r"^\d{4}-\d{4,6}$"))
    case_number = number.inner_text()

    page.get_by_role("link", name="受理回执（打印）").click()
    expect(page.get_by_role("heading", name="受理回执")).to_be_visible()
    receipt = page.get_by_role("main")
    expect(_fact(receipt, "案件编号")).to_have_text(case_number)
    expect(_fact(receipt, "求助人")).to_have_text("王建国")
    expect(_fact(receipt, "优抚类别")).to_have_text("退役军人")
    expect(page).to_have_title(re.compile("^受理回执 · 王建国$"))
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="返回案件")).to_be_hidden()
    expect(receipt).to_contain_text(case_number)
    assert_accessible(page)


def test_a_step_that_no_longer_fits_shows_the_form_again_with_the_reason(
    console_stack: Stack, page: Page
) -> None:
    case_id = open_case_by_api(
        console_stack,
        {"claimant": {"name": "赵敏", "category": "military_family"}, "needs": ["training"]},
    )
    sign_in(page, console_stack, console_stack.add_user("desk", "staff"))
    page.goto(f"{console_stack.api_url}/console/cases/{case_id}/steps/start-assessment")
    open_form = page.locator("form", has=page.get_by_role("button", name="记录"))
    # Meanwhile someone else starts the assessment: the form's version has passed.
    page.request.post(
        f"{console_stack.api_url}/cases/{case_id}/assessment/start",
        headers={**console_stack.headers("staff"), "Content-Type": "application/json"},
        data="{}",
    )
    open_form.get_by_role("button", name="记录").click()

    expect(page.get_by_role("alert")).to_contain_text("案件已有变动")
    expect(page.get_by_role("button", name="记录")).to_be_visible()
