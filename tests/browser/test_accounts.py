"""An admin adds a lawyer's account in the console and hands over the password shown once;
the lawyer signs in with it, chooses their own, lands on their tasks, and is refused the
accounts page."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, sign_in
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
LAWYERS_OWN = "律师自己的密码-2026"


def _sign_in_with(page: Page, stack: Stack, username: str, password: str) -> None:
    page.goto(f"{stack.api_url}/console/sign-in")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def _refused(page: Page) -> None:
    expect(page.get_by_role("alert")).to_have_attribute("data-problem-code", "not_authenticated")
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)


def test_an_admin_adds_a_lawyer_who_then_signs_in(console_stack: Stack, page: Page) -> None:
    lawyer = f"lawyer.gao-{uuid.uuid4().hex[:6]}"
    sign_in(page, console_stack, console_stack.add_user("admin-qian", "admin"))

    page.get_by_role("link", name="账户管理").click()
    expect(page.get_by_role("heading", name="添加账户")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("用户名").fill(lawyer)
    page.get_by_label("角色").select_option(label="律师")
    page.get_by_role("button", name="添加账户").click()
    expect(page.get_by_role("heading", name=f"已添加账户{lawyer}")).to_be_visible()
    shown = page.locator("#new-password").inner_text().strip()
    assert shown
    accounts = page.get_by_role("table").filter(has=page.get_by_role("rowheader", name=lawyer))
    expect(accounts.get_by_role("row", name=lawyer)).to_contain_text("律师")
    assert_accessible(page)
    _sign_out(page)

    _sign_in_with(page, console_stack, lawyer, "not-the-password")
    _refused(page)
    _sign_in_with(page, console_stack, lawyer, shown)
    # Someone else chose that password: the lawyer chooses their own before going on.
    expect(page.get_by_role("heading", name="设置密码")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("当前密码", exact=True).fill(shown)
    page.get_by_label("新密码（至少8个字符）", exact=True).fill(LAWYERS_OWN)
    page.get_by_label("再次输入新密码", exact=True).fill(LAWYERS_OWN)
    page.get_by_role("button", name="修改密码").click()

    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    assert page.url.rstrip("/").endswith("/console")
    menu = page.get_by_role("navigation").first
    expect(menu.get_by_role("link", name="我的法律事项")).to_be_visible()
    expect(page.get_by_role("link", name="账户管理")).to_have_count(0)
    assert_accessible(page)
    answer = page.goto(f"{console_stack.api_url}/console/accounts")

    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="无权操作")).to_be_visible()
    expect(page.get_by_text(shown)).to_have_count(0)

    # The password the lawyer chose is the one that now signs them in; the shown one no more.
    _sign_out(page)
    _sign_in_with(page, console_stack, lawyer, shown)
    _refused(page)
    _sign_in_with(page, console_stack, lawyer, LAWYERS_OWN)
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
