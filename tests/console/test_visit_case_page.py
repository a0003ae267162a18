"""A need found on a visit, from the person's page: the case opens through the API's own
route with its workflow on the time-skipping server and a real worker (SQLite), and the
page then links the visit to it."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.kernel.actors import Role
from tests.api import in_process_app, signed_in
from tests.campaigns.support import Register, local_today
from tests.console.conftest import add_user, csrf_of, sign_in
from tests.workflows.support import eventually


@pytest.fixture
async def browser(
    workflow_env: WorkflowEnvironment,
    case_worker: Worker,
    sqlite_session_factory: sessionmaker[Session],
) -> AsyncIterator[httpx.AsyncClient]:
    app = in_process_app(
        "sqlite://", sqlite_session_factory, workflow_env.client,
        temporal_task_queue=case_worker.task_queue,
    )  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


async def test_staff_open_a_case_from_a_visit_on_the_persons_page(
    browser: httpx.AsyncClient, sqlite_session_factory: sessionmaker[Session]
) -> None:
    register = Register(sqlite_session_factory, "north")
    staff = add_user(sqlite_session_factory, Role.STAFF)
    family = register.person("王秀英", "martyr_family", "城关镇")
    holiday = local_today() + timedelta(days=9)
    await sign_in(browser, staff)
    # The campaign and the visit through the API (the console has no campaign form yet).
    _, api_headers = signed_in(sqlite_session_factory, Role.STAFF, "north")
    created = await browser.post("/campaigns", headers=api_headers, json={
        "name": "八一走访慰问", "holiday": str(holiday), "window_start": str(local_today()),
        "window_end": str(holiday),
        "rule": {"any_of": [{"categories": ["martyr_family"]}]}})  # fmt: skip
    campaign = f"/campaigns/{created.json()['id']}"
    await eventually(
        lambda: browser.get(campaign, headers=api_headers),
        lambda answer: answer.json()["selection_done"],
        what="selection",
    )
    visit = await browser.post(f"{campaign}/visits", headers=api_headers, json={
        "person_id": family, "visited_on": str(local_today()), "reached": True,
        "findings": "老人住院，医药费困难"})  # fmt: skip
    page = await browser.get(f"/console/register/{family}")
    action = re.search(r'action="(/console/register/[^"]+/case)"', page.text)
    assert action, "the visit has no form to open a case"
    form = {"csrf_token": csrf_of(page), "campaign_id": created.json()["id"],
            "idempotency_key": visit.json()["id"].replace("-", "")}  # fmt: skip

    no_need = await browser.post(action.group(1), data=form)
    opened = await browser.post(action.group(1), data={**form, "needs": "hardship_aid"})
    after = await browser.get(f"/console/register/{family}")
    case_page = await browser.get(opened.headers.get("location", "/"))

    assert no_need.status_code == 422
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"].endswith("?done=intake")
    case_id = opened.headers["location"].split("/")[-1].split("?")[0]
    assert f'href="/console/cases/{case_id}"' in after.text
    assert "发现需求" not in after.text  # one case per visit: the form is gone
    assert f"走访中发现（走访记录 {visit.json()['id']}）" in case_page.text  # its intake's note


async def test_the_intake_form_adds_a_new_person_to_the_register_under_their_township(
    browser: httpx.AsyncClient, sqlite_session_factory: sessionmaker[Session]
) -> None:
    await sign_in(browser, add_user(sqlite_session_factory, Role.STAFF))
    form = await browser.get("/console/cases/new")
    township = f"镇{uuid.uuid4().hex[:6]}"

    opened = await browser.post("/console/cases", data={
        "csrf_token": csrf_of(form), "idempotency_key": uuid.uuid4().hex,
        "claimant.name": "陈志强", "claimant.category": "veteran",
        "claimant.phone": "13907776543", "township": township, "needs": "training"})  # fmt: skip
    listed = await browser.get("/console/register", params={"township": township})

    assert "乡镇（用于登记入优抚对象台账）" in form.text
    assert opened.status_code == 303, opened.text
    assert "陈志强" in listed.text
