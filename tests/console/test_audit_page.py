"""A case's timeline audit: every event with who, when (the centre's time) and what; the
hash chain's badge, broken at the first altered row; the case as of a moment and what
changed between two; the case's access log. For supervisors only."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.console import i18n
from services.kernel.actors import Role
from tests.console.conftest import add_user, sign_in
from tests.console.supervision import placed, record
from tests.test_audit import ALTER_SECOND_EVENT, unguarded


def zh(message: str) -> str:
    return i18n.gettext("zh_CN", message)


def as_of_section(page: httpx.Response) -> str:
    return page.text.split('id="as-of-title"')[1].split("</section>")[0]


async def test_the_audit_shows_every_event_verified_and_the_case_as_of_a_moment(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    story = placed("王建国")
    record(session_factory, story)
    supervisor = add_user(session_factory, Role.SUPERVISOR)
    await sign_in(browser, supervisor)
    case = await browser.get(f"/console/cases/{story.case_id}")
    assert f'href="/console/cases/{story.case_id}/audit"' in case.text

    page = await browser.get(f"/console/cases/{story.case_id}/audit")
    # Referred on Monday 2 March, placed on the Tuesday: as of Monday noon (centre time).
    before = await browser.get(
        f"/console/cases/{story.case_id}/audit", params={"as_of": "2026-03-02T12:00"}
    )

    assert page.status_code == 200
    assert '<span class="badge verified">已验证</span>' in page.text
    assert f"哈希链完整，共{len(story.events)}个事件" in page.text
    assert "2026年3月2日 09:00:00" in page.text  # 01:00 UTC, shown in the centre's time
    assert f"staff-1 ({zh('Centre staff')})" in page.text
    assert zh("Placement recorded") in page.text
    then = as_of_section(before)
    assert zh("Referred to a job") in then and zh("Placement recorded") not in then
    assert zh("Offer recorded") not in then
    reads = page.text.split('id="reads-title"')[1]
    assert supervisor.username in reads and "console_audit" in reads


async def test_what_changed_between_two_moments_names_the_steps_and_the_values(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    story = placed()
    record(session_factory, story)
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))
    referral = next(e.target for e in story.events if e.step.kind == "placement_recorded")

    page = await browser.get(
        f"/console/cases/{story.case_id}/audit",
        params={"changes_from": "2026-03-02T12:00", "changes_to": "2026-03-04T12:00"},
    )

    changes = page.text.split('id="changes-title"')[1].split("</section>")[0]
    assert zh("Placement recorded") in changes and zh("Referred to a job") not in changes
    row = changes.split(f"<code>referrals[{referral}].status</code>")[1].split("</tr>")[0]
    assert f"<del>{zh('Referred')}</del>" in row and f"<ins>{zh('Placed')}</ins>" in row


async def test_an_altered_row_shows_the_broken_badge_naming_the_first_broken_link(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session], owner_engine: Engine
) -> None:
    story = placed()
    record(session_factory, story)
    with unguarded(owner_engine) as connection:
        connection.execute(ALTER_SECOND_EVENT, {"case_id": story.case_id})
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    page = await browser.get(f"/console/cases/{story.case_id}/audit")

    assert '<span class="badge broken">链条断裂</span>' in page.text
    assert "哈希链在第2个事件处断裂" in page.text
    assert zh("Its content does not match its hash: it was altered.") in page.text
    assert '<tr id="event-2" class="late">' in page.text


async def test_a_moment_that_is_not_one_is_refused_naming_the_field(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    story = placed()
    record(session_factory, story)
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))

    answer = await browser.get(
        f"/console/cases/{story.case_id}/audit", params={"as_of": "yesterday"}
    )

    assert answer.status_code == 422


@pytest.mark.parametrize("role", [Role.STAFF, Role.LAWYER, Role.ADMIN])
async def test_the_audit_is_refused_to_every_other_role(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session], role: Role
) -> None:
    story = placed()
    record(session_factory, story)
    await sign_in(browser, add_user(session_factory, role))

    answer = await browser.get(f"/console/cases/{story.case_id}/audit")
    case = await browser.get(f"/console/cases/{story.case_id}")

    assert answer.status_code in (403, 404)
    assert "/audit" not in case.text


async def test_a_supervisor_of_another_centre_finds_no_such_case(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    story = placed()
    record(session_factory, story)
    other = add_user(session_factory, Role.SUPERVISOR)
    with session_factory.begin() as session:
        from services.users.records import UserRecord

        session.get_one(UserRecord, other.username).centre = "south"
    await sign_in(browser, other)

    assert (await browser.get(f"/console/cases/{story.case_id}/audit")).status_code == 404
