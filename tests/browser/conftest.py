from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.support import (
    CHROMIUM,
    DESK,
    LAUNCH_ARGS,
    ConsoleStack,
    new_context,
    require_chromium,
)
from tests.e2e.stack import Stack


# Package-scoped: the stack stops, and Playwright's event loop (which the sync API keeps
# running on this thread while it is open) closes, before the suite's async tests run.
@pytest.fixture(scope="package")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real dev server, worker and API for every browser scenario, with a short
    legal-referral clock."""
    require_chromium()
    workdir = tmp_path_factory.mktemp("console-stack")
    stack = ConsoleStack(
        workdir=workdir,
        database_url=f"sqlite:///{workdir / 'casework.db'}",
    )
    stack.start_all()
    yield stack
    stack.stop_all()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page at the desk's screen size; the scenario fails if the browser refused
    anything under the pages' Content-Security-Policy (an inline style, say)."""
    context = new_context(browser, DESK)
    refused: list[str] = []
    context.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield context.new_page()
    context.close()
    assert refused == [], "refused under the Content-Security-Policy"
