"""The console's quality bars in the browser: keyboard alone, a phone's width, weight."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.support import DESK, PHONE, new_context, open_case_by_api, sign_in
from tests.e2e.stack import PASSWORD, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
MAX_PAGE_BYTES = 300 * 1024
MAX_TABS = 40


def _tab_to(page: Page, check: str) -> None:
    """Press Tab until ``check`` (JS, on the focused element ``e``) holds."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {check}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {check}")


def _case(stack: Stack) -> str:
    return open_case_by_api(
        stack, {"claimant": {"name": "孙志强", "category": "veteran"}, "needs": ["training"]}
    )


def test_a_step_is_recorded_with_the_keyboard_alone(console_stack: Stack, page: Page) -> None:
    case_id = _case(console_stack)
    username = console_stack.add_user("desk", "staff")
    page.goto(f"{console_stack.api_url}/console/sign-in")
    _tab_to(page, "e.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()

    page.goto(f"{console_stack.api_url}/console/cases/{case_id}")
    _tab_to(page, "e.textContent.trim() === '开始资格审核'")
    page.keyboard.press("Enter")
    expect(page.get_by_label("备注")).to_be_focused()  # the form opens at its first field
    page.keyboard.type("电话核实身份")
    _tab_to(page, "e.textContent.trim() === '记录'")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_have_text("已记录：开始资格审核。")


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1366x768", "390px"])
def test_the_case_page_fits_the_screen_without_sideways_scrolling(
    console_stack: Stack, browser: Browser, viewport: dict[str, int]
) -> None:
    case_id = _case(console_stack)
    context = new_context(browser, viewport)
    page = context.new_page()
    sign_in(page, console_stack, console_stack.add_user("desk", "staff"))

    page.goto(f"{console_stack.api_url}/console/cases/{case_id}")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    expect(page.get_by_role("link", name="开始资格审核")).to_be_in_viewport()
    context.close()


def test_a_page_with_all_its_assets_weighs_at_most_300_kb(console_stack: Stack, page: Page) -> None:
    case_id = _case(console_stack)
    sign_in(page, console_stack, console_stack.add_user("desk", "staff"))

    page.goto(f"{console_stack.api_url}/console/cases/{case_id}")
    page.wait_for_load_state("networkidle")
    weight = page.evaluate(
        """() => performance.getEntries()
            .filter(e => e.entryType === "navigation" || e.entryType === "resource")
            .reduce((sum, e) => sum + (e.decodedBodySize || 0), 0)"""
    )

    print(f"the case page with its assets: {weight} bytes")
    assert 0 < weight <= MAX_PAGE_BYTES
