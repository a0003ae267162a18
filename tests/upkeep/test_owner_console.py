"""The console shows each case's responsible staff member (on the case and in the list)
and lets a supervisor hand the case to another: the form offers the centre's active staff
but the owner, and posts through the API's step path (on each database)."""

from __future__ import annotations

import re

from services.kernel.actors import Role
from tests.upkeep.conftest import Desk


def csrf(page_text: str) -> str:
    return hidden(page_text, "csrf_token")


def hidden(page_text: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page_text)
    assert found, page_text[:300]
    return found.group(1)


async def test_a_supervisor_hands_a_case_to_another_member_of_staff_in_the_console(
    desk: Desk,
) -> None:
    owner, staff = desk.person(Role.STAFF)
    taker, _ = desk.person(Role.STAFF)
    supervisor, _ = desk.person(Role.SUPERVISOR)
    case_id = await desk.open_case(staff, "王建国")
    browser = desk.api
    page = await browser.get("/console/sign-in")
    signed_in = await browser.post(
        "/console/sign-in",
        data={"username": supervisor, "password": "a password", "csrf_token": csrf(page.text)},
    )
    assert signed_in.status_code == 303, signed_in.text

    form = await browser.get(f"/console/cases/{case_id}/steps/reassign")
    options = re.findall(r'<option value="([^"]*)"', form.text)
    posted = await browser.post(
        f"/console/cases/{case_id}/steps/reassign",
        data={
            "owner": taker,
            "reason": "休假",
            "csrf_token": csrf(form.text),
            "version": hidden(form.text, "version"),
            "idempotency_key": "console-reassign-0001",
        },
    )
    case_page = await browser.get(f"/console/cases/{case_id}")
    listed = await browser.get("/console/cases", params={"owner": taker})

    assert form.status_code == 200, form.text
    assert "转交给其他工作人员" in form.text
    assert taker in options and owner not in options
    assert posted.status_code == 303, posted.text
    assert "负责人" in case_page.text and taker in case_page.text
    assert "王建国" in listed.text and taker in listed.text
