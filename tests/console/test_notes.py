"""Contact notes on the console's case page: staff see every note and the form to add one
(in Chinese); a lawyer sees general notes and those on legal matters only."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from services.cases.model import Need
from services.cases.notes import AddNote, ContactKind
from services.db import transaction
from services.job_referral.model import ReferToJob
from services.kernel.actors import Role
from services.read_model import record_case_events
from tests.console.conftest import add_user, sign_in
from tests.unit.story import Story

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


async def test_the_case_page_shows_notes_by_role_and_offers_the_note_form(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    story = Story.active(Need.JOB_REFERRAL, Need.LEGAL_AID, centre="north")
    story.take(ReferToJob(employer="县物流公司", position="司机", referred_on=AT.date()))
    story.take(AddNote(contact=ContactKind.HOME_VISIT, happened_at=AT, note="上门走访，家中无人"))
    story.take(AddNote(contact=ContactKind.PHONE_CALL, happened_at=AT, note="面试改期", item="R4"))
    lawyer = add_user(session_factory, Role.LAWYER)
    case = story.current.model_copy(update={"lawyer": lawyer.username})
    with transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=story.events, identity_key=b"k")

    await sign_in(browser, add_user(session_factory, Role.STAFF))
    as_staff = await browser.get(f"/console/cases/{story.case_id}")
    form = await browser.get(f"/console/cases/{story.case_id}/steps/add-note")
    browser.cookies.clear()
    await sign_in(browser, lawyer)
    as_lawyer = await browser.get(f"/console/cases/{story.case_id}")

    assert as_staff.status_code == 200, as_staff.text
    assert "联系记录" in as_staff.text and "上门走访" in as_staff.text
    assert "上门走访，家中无人" in as_staff.text and "面试改期" in as_staff.text
    assert f"/console/cases/{story.case_id}/steps/add-note" in as_staff.text
    assert "添加联系记录" in as_staff.text
    assert form.status_code == 200, form.text
    for text in ("联系方式", "电话", "上门走访", "发生时间", "涉及事项"):
        assert text in form.text
    assert as_lawyer.status_code == 200, as_lawyer.text
    assert "上门走访，家中无人" in as_lawyer.text
    assert "面试改期" not in as_lawyer.text  # a note on a job referral
