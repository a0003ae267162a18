"""Campaigns through the API, in process, with their workflow on the time-skipping server
and a real worker (SQLite): started, followed, households added, visits recorded, figures
read down to the households; bad input is a 4xx naming the field."""

from __future__ import annotations

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


async def test_staff_run_a_campaign_and_supervisors_read_its_figures(
    api: httpx.AsyncClient, sqlite_session_factory: sessionmaker[Session]
) -> None:
    register = Register.new(sqlite_session_factory)
    li = register.staff("li", "城关镇")
    martyr = register.person("李桂兰", "martyr_family", "城关镇")
    register.person("张伟", "veteran", "城关镇")  # not selected by the default rule
    _, staff = signed_in(sqlite_session_factory, Role.STAFF, register.centre, name=li.id + "-desk")
    _, supervisor = signed_in(sqlite_session_factory, Role.SUPERVISOR, register.centre)
    holiday = local_today() + timedelta(days=20)
    body = {"name": "春节走访慰问", "holiday": str(holiday), "window_start": str(local_today()),
            "window_end": str(holiday), "gift": {"cash": "500"}}  # fmt: skip

    keyed = {**staff, "Idempotency-Key": "campaign-spring-0001"}
    created = await api.post("/campaigns", json=body, headers=keyed)
    repeated = await api.post("/campaigns", json=body, headers=keyed)
    campaign = f"/campaigns/{created.json()['id']}"
    await eventually(
        lambda: api.get(campaign, headers=staff),
        lambda answer: answer.json()["selection_done"],
        what="selection",
    )
    latecomer = register.person("孙秀英", "disabled_veteran", "城关镇")
    added = await api.post(f"{campaign}/households", json={"person_ids": [latecomer]},
                           headers=staff)  # fmt: skip
    visit = {"person_id": martyr, "visited_on": str(local_today()), "reached": True,
             "cash": "500", "visitors": [li.id], "findings": "屋顶漏雨"}  # fmt: skip
    keyed = {**staff, "Idempotency-Key": "visit-0001"}
    recorded = await api.post(f"{campaign}/visits", json=visit, headers=keyed)
    retried = await api.post(f"{campaign}/visits", json=visit, headers=keyed)
    figures = await api.get(f"{campaign}/figures", headers=supervisor)
    visited = await api.get(f"{campaign}/households", params={"status": "visited"},
                            headers=supervisor)  # fmt: skip
    waiting = await api.get(f"{campaign}/households", params={"status": "not_visited"},
                            headers=supervisor)  # fmt: skip
    year = await api.get(f"/campaigns/years/{holiday.year}/figures", headers=supervisor)
    visits = await api.get(f"/register/people/{martyr}/visits", headers=supervisor)

    assert created.status_code == 201, created.text
    assert repeated.json()["id"] == created.json()["id"]
    assert retried.json()["id"] == recorded.json()["id"]
    assert added.json()["added"] == [latecomer]
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["visitors"][1] == li.id
    totals = figures.json()["totals"]
    assert (totals["selected"], totals["visited"], totals["not_visited"]) == (2, 1, 1)
    assert totals["cash"] == "500.00"
    assert [h["name"] for h in visited.json()["items"]] == ["李桂兰"]
    assert [(h["name"], h["assignee"]) for h in waiting.json()["items"]] == [("孙秀英", li.id)]
    assert year.json()["totals"]["selected"] == 2
    assert visits.json()[0]["findings"] == "屋顶漏雨"


async def test_bad_campaigns_and_visits_are_refused_naming_the_field(
    api: httpx.AsyncClient, sqlite_session_factory: sessionmaker[Session]
) -> None:
    register = Register.new(sqlite_session_factory)
    register.staff("li", "城关镇")
    martyr = register.person("李桂兰", "martyr_family", "城关镇")
    outsider = register.person("张伟", "veteran", "城关镇")
    _, staff = signed_in(sqlite_session_factory, Role.STAFF, register.centre)
    _, elsewhere = signed_in(sqlite_session_factory, Role.STAFF, f"{register.centre}-other")
    today = local_today()
    good = {"name": "八一走访慰问", "holiday": str(today + timedelta(days=9)),
            "window_start": str(today), "window_end": str(today + timedelta(days=9))}  # fmt: skip

    refusals = {
        "window_end": await api.post("/campaigns", headers=staff, json={
            **good, "window_start": str(today - timedelta(days=9)),
            "window_end": str(today - timedelta(days=1))}),
        "rule.any_of": await api.post("/campaigns", headers=staff,
                                      json={**good, "rule": {"any_of": []}}),
    }  # fmt: skip
    created = await api.post("/campaigns", json=good, headers=staff)
    campaign = f"/campaigns/{created.json()['id']}"
    await eventually(
        lambda: api.get(campaign, headers=staff),
        lambda answer: answer.json()["selection_done"],
        what="selection",
    )
    visit = {"person_id": martyr, "visited_on": str(today), "reached": True}
    refusals |= {
        "person_id": await api.post(f"{campaign}/visits", headers=staff,
                                    json={**visit, "person_id": outsider}),
        "visited_on": await api.post(f"{campaign}/visits", headers=staff,
                                     json={**visit, "visited_on": str(today + timedelta(1))}),
        "cash": await api.post(f"{campaign}/visits", headers=staff,
                               json={**visit, "reached": False, "cash": "500"}),
        "visitors.0": await api.post(f"{campaign}/visits", headers=staff,
                                     json={**visit, "visitors": ["nobody-here"]}),
    }  # fmt: skip
    other_centre = await api.get(campaign, headers=elsewhere)
    figures = await api.get(f"{campaign}/figures", headers=staff)

    for field, answer in refusals.items():
        assert answer.status_code == 422, (field, answer.text)
        errors = answer.json()["errors"]
        assert errors[0]["field"] == field, (field, answer.text)
    assert (other_centre.status_code, other_centre.json()["code"]) == (404, "campaign_not_found")
    assert figures.json()["totals"]["visited"] == 0
