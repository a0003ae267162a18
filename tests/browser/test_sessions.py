"""The console's session and forms cannot be borrowed: a forged form post and a cookie
kept after signing out are both refused, in a real browser against a real stack."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.support import DESK, new_context, open_case_by_api, sign_in
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _case(stack: Stack) -> str:
    return open_case_by_api(
        stack, {"claimant": {"name": "陈立军", "category": "veteran"}, "needs": ["training"]}
    )


def _stage(page: Page, stack: Stack, case_id: str) -> str:
    answer = page.request.get(f"{stack.api_url}/cases/{case_id}", headers=stack.headers("staff"))
    return str(answer.json()["stage"])


def test_a_form_post_without_or_with_an_altered_csrf_token_is_refused_and_changes_nothing(
    console_stack: Stack, page: Page
) -> None:
    case_id = _case(console_stack)
    sign_in(page, console_stack, console_stack.add_user("desk", "staff"))
    page.goto(f"{console_stack.api_url}/console/cases/{case_id}/steps/start-assessment")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    url = f"{console_stack.api_url}/console/cases/{case_id}/steps/start-assessment"

    without = page.request.post(url, form={"version": "1"})
    altered = page.request.post(url, form={"version": "1", "csrf_token": token[:-2] + "xy"})

    assert (without.status, altered.status) == (403, 403)
    assert "表单已过期或并非来自本系统" in altered.text()
    assert _stage(page, console_stack, case_id) == "intake"


def test_a_session_cookie_kept_after_signing_out_is_refused(
    console_stack: Stack, browser: Browser, page: Page
) -> None:
    sign_in(page, console_stack, console_stack.add_user("desk", "staff"))
    stolen = page.context.cookies()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    thief = new_context(browser, DESK)
    thief.add_cookies(stolen)  # type: ignore[arg-type]
    answer = thief.new_page().goto(f"{console_stack.api_url}/console/")

    assert answer is not None
    assert answer.url.startswith(f"{console_stack.api_url}/console/sign-in")
    thief.close()
