"""Overdue work: the centre's breached deadlines oldest first, with rung, clock, owner and
case, filtered by clock, rung and owner; only for supervisors."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.kernel.actors import Role
from tests.console.conftest import add_user, sign_in
from tests.console.supervision import overdue, record

EARLIER = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)


async def test_breaches_show_oldest_first_with_rung_clock_owner_and_case_and_filter_by_rung(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    older, newer = overdue("赵一", EARLIER, days=12), overdue("钱二", LATER, days=6)
    record(session_factory, newer)
    record(session_factory, older)
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    every = await browser.get("/console/escalations")
    at_supervisor = await browser.get("/console/escalations", params={"rung": "supervisor"})
    none_of_that_clock = await browser.get(
        "/console/escalations", params={"clock": "follow_up", "rung": "", "owner": ""}
    )
    by_other_owner = await browser.get("/console/escalations", params={"owner": "someone-else"})

    assert every.status_code == 200
    text = every.text
    assert text.index("赵一") < text.index("钱二")  # the older breach first
    row = text[text.index(f'href="/console/cases/{older.case_id}"') :].split("</tr>")[0]
    assert "资格认定" in row and "中心负责人" in row and "staff-1" in row and "尚未办结" in row
    assert "钱二" in at_supervisor.text and "赵一" not in at_supervisor.text
    assert "没有超过时限的事项" in none_of_that_clock.text
    assert "没有超过时限的事项" in by_other_owner.text


async def test_a_rung_that_is_none_of_the_ladders_is_refused_naming_the_field(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    answer = await browser.get("/console/escalations", params={"rung": "mayor"})

    assert answer.status_code == 422


@pytest.mark.parametrize("role", [Role.STAFF, Role.LAWYER, Role.ADMIN])
async def test_overdue_work_is_refused_to_every_other_role(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session], role: Role
) -> None:
    await sign_in(browser, add_user(session_factory, role))

    assert (await browser.get("/console/escalations")).status_code == 403
