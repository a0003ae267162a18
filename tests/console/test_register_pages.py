"""The register and holiday-visit pages, on each database: staff and supervisors search the
register and read a person's page (their cases and visits, the reads journaled); the
campaigns and one campaign with its figures; staff record a visit through the JSON API's
own route (its refusals shown beside the fields); every other role is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.campaigns import selection
from services.campaigns.work import OpenCampaign, SelectPage
from services.cases import rules
from services.cases.steps import CaseEvent
from services.db import transaction
from services.kernel.actors import Role
from services.read_model import record_case_events
from services.register import journal
from tests.campaigns.support import Register, local_today
from tests.conftest import TEST_IDENTITY_KEY
from tests.console.conftest import add_user, csrf_of, sign_in
from tests.support import STAFF, intake

CENTRE = "north"  # the console tests' users' centre


def _world(factory: sessionmaker[Session]) -> tuple[Register, str, str, str, str]:
    """A township of its own with a martyr's family (with a case) and a veteran, and a
    campaign selecting the family: (register, township, family, campaign, case)."""
    register = Register(factory, CENTRE)
    township = f"镇{uuid.uuid4().hex[:6]}"
    family = register.person("李桂兰", "martyr_family", township, "elderly_alone")
    register.person("张伟", "veteran", township)
    case_id = str(uuid.uuid4())
    event = CaseEvent(
        case_id=case_id, seq=1, at=datetime.now(UTC), actor=STAFF,
        step=intake(centre=CENTRE, register_person_id=uuid.UUID(family)),
    )  # fmt: skip
    campaign_id, now = str(uuid.uuid4()), datetime.now(UTC)
    holiday = local_today() + timedelta(days=5)
    plan = register.plan(holiday, rule={"any_of": [{"categories": ["martyr_family"]}]})
    with transaction(factory) as session:
        record_case_events(session=session, case=rules.evolve(None, event), events=[event],
                           identity_key=TEST_IDENTITY_KEY)  # fmt: skip
        selection.open_campaign(session=session, order=OpenCampaign(
            campaign_id=campaign_id, plan=plan.model_copy(update={"name": f"春节走访{township}"}),
            workflow_id="w", at=now,
        ))  # fmt: skip
        after = None
        while True:
            page = selection.select_page(session=session, order=SelectPage(
                campaign_id=campaign_id, after_person_id=after, limit=500, at=now))  # fmt: skip
            if page.done:
                break
            after = page.last_person_id
    return register, township, family, campaign_id, case_id


async def test_staff_search_the_register_and_read_a_persons_cases_and_visits(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    register, township, family, campaign_id, case_id = _world(session_factory)
    staff = add_user(session_factory, Role.STAFF)
    register.visit(campaign_id, family, STAFF, findings="屋顶漏雨")
    await sign_in(browser, staff)

    listed = await browser.get("/console/register", params={"township": township})
    found = await browser.get(
        "/console/register", params={"township": township, "text": "ligui"},
        headers={"HX-Request": "true", "HX-Target": "person-results"},
    )  # fmt: skip
    page = await browser.get(f"/console/register/{family}")
    with session_factory() as session:
        reads = journal.entries(session=session, centre=CENTRE, person_id=family, limit=3)

    assert listed.status_code == 200
    assert "李桂兰" in listed.text and "张伟" in listed.text and "优抚对象台账" in listed.text
    assert "李桂兰" in found.text and "张伟" not in found.text and "<html" not in found.text
    assert page.status_code == 200
    assert "烈属" in page.text and "独居老人" in page.text
    assert "屋顶漏雨" in page.text  # the visit's findings, opened for the reader
    assert f'href="/console/cases/{case_id}"' in page.text  # the case, linked
    assert [entry.username for entry in reads] == [staff.username] * 3
    assert {entry.action for entry in reads} == {"person_read", "cases_read", "visits_read"}


async def test_a_campaign_page_shows_its_figures_and_staff_record_a_visit_from_it(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    _, township, family, campaign_id, _ = _world(session_factory)
    staff = add_user(session_factory, Role.STAFF)
    await sign_in(browser, staff)
    campaign = f"/console/campaigns/{campaign_id}"

    campaigns = await browser.get("/console/campaigns")
    before = await browser.get(campaign)
    form = await browser.get(f"{campaign}/visits/new", params={"person_id": family})
    fields = {
        "csrf_token": csrf_of(form), "idempotency_key": uuid.uuid4().hex, "person_id": family,
        "visited_on": str(local_today()), "reached": "false", "cash": "500",
        "goods": "大米 120", "visitors": "", "leaders": "", "findings": "",
    }  # fmt: skip
    refused = await browser.post(f"{campaign}/visits", data=fields)
    outsider = await browser.post(f"{campaign}/visits", data={
        **fields, "person_id": str(uuid.uuid4()), "reached": "true"})  # fmt: skip
    recorded = await browser.post(f"{campaign}/visits", data={
        **fields, "reached": "true", "leaders": "王县长 副县长",
        "findings": "孙子上学困难"})  # fmt: skip
    after = await browser.get(campaign, params={"status": "visited"})
    person = await browser.get(f"/console/register/{family}")

    assert f"春节走访{township}" in campaigns.text
    assert before.status_code == 200 and "登记走访" in before.text and "尚未走访" in before.text
    assert form.status_code == 200
    assert 'value="500' in form.text and "大米 120" in form.text  # the standard gift
    assert refused.status_code == 422
    assert "未见到家属时不能登记发放" in refused.text
    assert outsider.status_code == 404  # a household not in the register
    assert (recorded.status_code, recorded.headers["location"]) == (303, f"{campaign}?done=visit")
    assert "李桂兰" in after.text and "已走访" in after.text
    assert "500.00" in after.text and "120.00" in after.text
    assert "孙子上学困难" in person.text


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.STAFF, True), (Role.SUPERVISOR, True), (Role.LAWYER, False), (Role.ADMIN, False)],
)
async def test_the_register_and_campaign_pages_are_for_staff_and_supervisors(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session], role: Role, allowed: bool
) -> None:
    _, _, family, campaign_id, _ = _world(session_factory)
    await sign_in(browser, add_user(session_factory, role))
    pages = ["/console/register", f"/console/register/{family}", "/console/campaigns",
             f"/console/campaigns/{campaign_id}"]  # fmt: skip

    answers = [(await browser.get(page)).status_code for page in pages]
    form = await browser.get(
        f"/console/campaigns/{campaign_id}/visits/new", params={"person_id": family}
    )
    home = await browser.get("/console/")

    assert answers == ([200] * 4 if allowed else [403] * 4)
    # Only staff record visits, as on the API (POST /campaigns/{id}/visits).
    assert form.status_code == (200 if role is Role.STAFF else 403)
    assert ('href="/console/register"' in home.text) is allowed
