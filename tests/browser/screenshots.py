"""``make screenshots``: every console page in both languages, from a real stack, into
docs/console/ (PNG). Run as ``python -m tests.browser.screenshots [FOLDER]``."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.support import (
    CHROMIUM,
    DESK,
    LAUNCH_ARGS,
    PHONE,
    ConsoleStack,
    api,
    assign_lawyer,
    new_context,
    open_case_by_api,
)
from tests.e2e.stack import PASSWORD, Stack

LANGUAGES = {"zh": "zh_CN", "en": "en"}


def _demo(stack: Stack) -> dict[str, str]:
    """A few cases as a centre would have them: worked, waiting, and a legal one."""
    wang = {"name": "王建国", "category": "veteran", "phone": "13800138001"}
    worked = open_case_by_api(stack, {"claimant": wang, "needs": ["training", "job_referral"],
                                      "summary": "退役后求职，希望学习电工技能"})  # fmt: skip
    steps = [
        ("assessment/start", {}),
        ("assessment", {"accepted": True}),
        ("training", {"course": "电工上岗培训", "provider": "县职业技能培训中心",
                      "starts_on": "2026-03-02", "ends_on": "2026-04-30"}),
        ("referrals", {"employer": "县物流公司", "position": "驾驶员",
                       "referred_on": "2026-03-05"}),
    ]  # fmt: skip
    with api(stack) as client:
        for path, body in steps:
            client.post(f"/cases/{worked}/{path}", json=body).raise_for_status()
    for name, category in (("赵敏", "military_family"), ("陈立军", "veteran")):
        open_case_by_api(stack, {"claimant": {"name": name, "category": category},
                                 "needs": ["startup_aid"]})  # fmt: skip
    legal = open_case_by_api(
        stack, {"claimant": {"name": "李秀英", "category": "martyr_family"}, "needs": ["legal_aid"]}
    )
    assign_lawyer(stack, legal, "lawyer")
    with api(stack, "lawyer") as client:
        client.post(f"/cases/{legal}/legal-matters", json={
            "infringement": "用人单位以其丈夫服役为由拒发工资三个月", "infringer": "县某制衣厂"}
        ).raise_for_status()  # fmt: skip
    placed = open_case_by_api(stack, {"claimant": {"name": "孙志强", "category": "veteran"},
                                      "needs": ["job_referral"]})  # fmt: skip
    placement = {"starts_on": "2026-03-09", "monthly_wage": "4200"}
    placing = [
        *steps[:2],
        steps[3],
        ("referrals/R4/offer", {}),
        ("referrals/R4/placement", placement),
    ]
    with api(stack) as client:
        for path, body in placing:
            client.post(f"/cases/{placed}/{path}", json=body).raise_for_status()
    stack.add_user("staff", "staff")
    stack.add_user("supervisor", "supervisor")
    stack.add_user("admin", "admin")
    return {"worked": worked, "legal": legal}


def _sign_in(page: Page, stack: Stack, username: str) -> None:
    page.goto(f"{stack.api_url}/console/sign-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.locator("form[action='/console/sign-out']").wait_for()


def _shoot(page: Page, folder: Path, name: str, full: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full)


def _pages(stack: Stack, ids: dict[str, str]) -> list[tuple[str, str, Callable[[Page], None]]]:
    url = stack.api_url
    worked, legal = ids["worked"], ids["legal"]

    def intake(page: Page) -> None:
        page.goto(f"{url}/console/cases/new")
        page.locator("#f-claimant-name").fill("王建国")
        page.locator("#f-claimant-category").select_option("veteran")
        page.locator("#f-claimant-phone").fill("13800138001")
        page.locator("input[name=needs][value=training]").check()
        page.locator("form.stack button[type=submit]").click()
        page.locator(".duplicates").wait_for()

    def step(page: Page) -> None:
        page.goto(f"{url}/console/cases/{worked}")
        page.locator("a[href$='steps/record-offer?target=R5']").click()
        page.locator("#step-slot form").wait_for()

    def late(page: Page) -> None:
        page.goto(f"{url}/console/cases/{legal}/matters/M3")
        page.locator("a[href*='steps/refer-matter']").click()
        page.locator("#step-slot textarea[name=late_reason]").wait_for()

    return [
        ("sign-in", "", lambda page: page.goto(f"{url}/console/sign-in")),
        ("tasks", "staff", lambda page: page.goto(f"{url}/console/")),
        ("cases", "staff", lambda page: page.goto(f"{url}/console/cases")),
        ("intake-duplicate", "staff", intake),
        ("case", "staff", lambda page: page.goto(f"{url}/console/cases/{worked}")),
        ("step-form", "staff", step),
        ("receipt", "staff", lambda page: page.goto(f"{url}/console/cases/{worked}/receipt")),
        ("matters", "lawyer", lambda page: page.goto(f"{url}/console/matters")),
        ("matter-late", "lawyer", late),
        ("not-found", "lawyer", lambda page: page.goto(f"{url}/console/cases/{worked}")),
        ("dashboard", "supervisor", lambda page: page.goto(f"{url}/console/dashboard")),
        (
            "figure-cases",
            "supervisor",
            lambda page: page.goto(f"{url}/console/dashboard/cases?figure=placements.veteran"),
        ),
        ("escalations", "supervisor", lambda page: page.goto(f"{url}/console/escalations")),
        ("audit", "supervisor", lambda page: page.goto(f"{url}/console/cases/{worked}/audit")),
        ("accounts", "admin", lambda page: page.goto(f"{url}/console/accounts")),
        ("register", "staff", lambda page: page.goto(f"{url}/console/register")),
        ("campaigns", "staff", lambda page: page.goto(f"{url}/console/campaigns")),
    ]


def shoot_all(browser: Browser, stack: Stack, folder: Path) -> None:
    ids = _demo(stack)
    time.sleep(25)  # the legal referral's short clock passes: the late-reason form shows
    for short, language in LANGUAGES.items():
        signed_in: dict[str, Page] = {}
        for name, role, go in _pages(stack, ids):
            if role not in signed_in:
                context = new_context(browser, DESK)
                host = stack.api_url.split("//")[1].split(":")[0]
                context.add_cookies([{"name": "casework_language", "value": language,
                                      "domain": host, "path": "/console"}])  # fmt: skip
                signed_in[role] = context.new_page()
                if role:
                    _sign_in(signed_in[role], stack, role)
            page = signed_in[role]
            go(page)
            _shoot(page, folder, f"{name}-{short}")
        phone = signed_in["staff"]
        phone.set_viewport_size(PHONE)
        phone.goto(f"{stack.api_url}/console/cases/{ids['worked']}")
        _shoot(phone, folder, f"case-phone-{short}")


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/console")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        stack = ConsoleStack(
            workdir=Path(workdir),
            database_url=f"sqlite:///{workdir}/casework.db",
        )
        try:
            stack.start_all()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=LAUNCH_ARGS
                )
                shoot_all(browser, stack, folder)
                browser.close()
        finally:
            stack.stop_all()
    print(f"screenshots written to {folder}")


if __name__ == "__main__":
    main()
