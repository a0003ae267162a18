"""Cases and the register through the API, in process, with the case and campaign
workflows on the time-skipping server and a real worker (SQLite): intake links a case to
its person (found or added), a need found on a visit opens a case in one step that the
visit records, and the person's page lists both."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.kernel.actors import Role
from tests.api import in_process_api, signed_in
from tests.campaigns.support import Register, local_today
from tests.workflows.support import eventually


@pytest.fixture
async def api(
    workflow_env: WorkflowEnvironment,
    case_worker: Worker,
    sqlite_session_factory: sessionmaker[Session],
) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_api(
        "sqlite://", sqlite_session_factory, workflow_env.client, case_worker.task_queue
    ) as client:
        yield client


async def test_intake_links_the_case_to_its_person_found_or_added(
    api: httpx.AsyncClient, sqlite_session_factory: sessionmaker[Session]
) -> None:
    register = Register.new(sqlite_session_factory)
    _, staff = signed_in(sqlite_session_factory, Role.STAFF, register.centre)
    _, supervisor = signed_in(sqlite_session_factory, Role.SUPERVISOR, register.centre)
    known = await api.post("/register/people", headers=staff, json={
        "name": "李桂兰", "category": "martyr_family", "township": "城关镇",
        "national_id": "11010519491231002X"})  # fmt: skip
    person = known.json()["id"]

    found = await api.post("/cases", headers=staff, json={
        "claimant": {"name": "李桂兰", "category": "martyr_family",
                     "national_id": "11010519491231002X"}, "needs": ["hardship_aid"]})  # fmt: skip
    added = await api.post("/cases", headers=staff, json={
        "claimant": {"name": "周建国", "category": "veteran", "phone": "13907775678"},
        "needs": ["job_referral"], "township": "龙泉镇"})  # fmt: skip
    newcomer = added.json()["register_person_id"]
    cases = await api.get(f"/register/people/{person}/cases", headers=supervisor)
    listed = await api.get("/register/people", params={"township": "龙泉镇"}, headers=staff)
    journal = await api.get("/register/journal", params={"person_id": person}, headers=supervisor)

    assert found.status_code == 201, found.text
    assert found.json()["register_person_id"] == person
    assert added.status_code == 201, added.text
    assert [p["id"] for p in listed.json()["items"]] == [newcomer]
    assert [(c["id"], c["needs"]) for c in cases.json()] == [(found.json()["id"], ["hardship_aid"])]
    assert [e["action"] for e in journal.json()][:2] == ["cases_read", "case_linked"]


async def test_a_need_found_on_a_visit_opens_a_case_the_visit_records(
    api: httpx.AsyncClient, sqlite_session_factory: sessionmaker[Session]
) -> None:
    register = Register.new(sqlite_session_factory)
    li = register.staff("li", "城关镇")
    martyr = register.person("李桂兰", "martyr_family", "城关镇")
    _, staff = signed_in(sqlite_session_factory, Role.STAFF, register.centre, name=li.id + "-d")
    _, supervisor = signed_in(sqlite_session_factory, Role.SUPERVISOR, register.centre)
    holiday = local_today() + timedelta(days=20)
    created = await api.post("/campaigns", headers=staff, json={
        "name": "春节走访慰问", "holiday": str(holiday), "window_start": str(local_today()),
        "window_end": str(holiday)})  # fmt: skip
    campaign = f"/campaigns/{created.json()['id']}"
    await eventually(
        lambda: api.get(campaign, headers=staff),
        lambda answer: answer.json()["selection_done"],
        what="selection",
    )
    visit = await api.post(f"{campaign}/visits", headers=staff, json={
        "person_id": martyr, "visited_on": str(local_today()), "reached": True,
        "findings": "屋顶漏雨，老人无力修缮"})  # fmt: skip
    from_visit = f"{campaign}/visits/{visit.json()['id']}/case"

    keyed = {**staff, "Idempotency-Key": "visit-case-0001"}
    opened = await api.post(from_visit, headers=keyed, json={"needs": ["hardship_aid"]})
    repeated = await api.post(from_visit, headers=keyed, json={"needs": ["hardship_aid"]})
    again = await api.post(from_visit, headers=staff, json={"needs": ["training"]})
    unknown = await api.post(f"{campaign}/visits/{uuid.uuid4()}/case", headers=staff,
                             json={"needs": ["hardship_aid"]})  # fmt: skip
    no_need = await api.post(from_visit, headers=staff, json={"needs": []})
    denied = await api.post(from_visit, headers=supervisor, json={"needs": ["hardship_aid"]})
    visits = await api.get(f"/register/people/{martyr}/visits", headers=supervisor)
    cases = await api.get(f"/register/people/{martyr}/cases", headers=supervisor)
    case = await api.get(f"/cases/{opened.json()['id']}", headers=supervisor)

    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    assert opened.json()["claimant"]["situation"] == "屋顶漏雨，老人无力修缮"
    assert opened.json()["register_person_id"] == martyr
    assert repeated.json()["id"] == case_id
    assert (again.status_code, again.json()["case_id"]) == (409, case_id)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "visit_not_found")
    assert (no_need.status_code, no_need.json()["errors"][0]["field"]) == (422, "needs")
    assert denied.status_code == 403
    assert visits.json()[0]["case_id"] == case_id
    assert [c["id"] for c in cases.json()] == [case_id]
    assert case.json()["claimant"]["category"] == "martyr_family"
