"""Driving the console in Debian's Chromium with Playwright, against a real stack: the
browser, a signed-in page per person, and the accessibility check (axe-core, vendored)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.stack import PASSWORD, Stack

# A step's answer waits on the workflow and its projection: on a loaded machine (the
# whole suite in parallel) it can take longer than expect's 5 s default.
expect.set_options(timeout=30_000)

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# A legal referral is due 20 s after the infringement is recorded: a test sees it pass.
SHORT_CLOCKS = '{"legal_referral": {"duration": 20, "unit": "seconds", "escalate_every": 600}}'
SKIPPED = "Chromium is not installed at /usr/bin/chromium: browser leg skipped"


@dataclass
class ConsoleStack(Stack):
    """The e2e stack with a short legal-referral clock, so a scenario sees it pass."""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "CLOCK_POLICY": SHORT_CLOCKS}


def require_chromium() -> None:
    """Skip without Chromium, unless the run demands the browser leg (make test-browser)."""
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{SKIPPED} (make test-browser needs it: apt-get install chromium)")
    pytest.skip(SKIPPED)


def new_context(browser: Browser, viewport: dict[str, int] = DESK) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_init_script(path=str(AXE))  # by the browser, not the page: no CSP applies
    context.set_default_timeout(30_000)
    return context


def sign_in(page: Page, stack: Stack, username: str) -> None:
    page.goto(f"{stack.api_url}/console/sign-in")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({id: v.id, impact: v.impact,
                            nodes: v.nodes.map(n => n.target.join(" "))}));
        }"""
    )
    return found


def assert_accessible(page: Page) -> None:
    page.wait_for_load_state("load")
    assert serious_violations(page) == [], page.url


def api(stack: Stack, role: str = "staff") -> httpx.Client:
    return httpx.Client(base_url=stack.api_url, headers=stack.headers(role), timeout=60)


def open_case_by_api(stack: Stack, body: dict[str, Any]) -> str:
    with api(stack) as client:
        answer = client.post("/cases", json=body, params={"confirm_new": "true"})
        answer.raise_for_status()
        return str(answer.json()["id"])


def assign_lawyer(stack: Stack, case_id: str, lawyer: str) -> None:
    stack.lawyer(lawyer)
    with api(stack, "supervisor") as client:
        client.post(f"/cases/{case_id}/lawyer", json={"lawyer": lawyer}).raise_for_status()
