"""The case API end to end: real API, worker and Temporal dev server."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from tests.e2e.stack import Stack
from workflows.ids import case_workflow_id

pytestmark = pytest.mark.e2e
MINIMAL = {"claimant": {"name": "Li Wei", "category": "veteran"}, "needs": ["job_referral"]}


async def test_minimal_intake_opens_a_case_with_a_running_workflow(
    api: httpx.AsyncClient, temporal: Client
) -> None:
    created = await api.post("/cases", json=MINIMAL)

    assert created.status_code == 201, created.text
    case = created.json()
    assert created.headers["location"] == f"/cases/{case['id']}"
    assert case["stage"] == "intake"
    assert case["claimant"] == {**MINIMAL["claimant"], **case["claimant"]}
    read = await api.get(f"/cases/{case['id']}")
    assert read.status_code == 200
    assert read.json() == case
    description = await temporal.get_workflow_handle(case_workflow_id(case["id"])).describe()
    assert description.status is WorkflowExecutionStatus.RUNNING


async def test_invalid_category_is_rejected_naming_the_field_and_starts_nothing(
    api: httpx.AsyncClient, temporal: Client
) -> None:
    before = (await temporal.count_workflows()).count
    body = {**MINIMAL, "claimant": {"name": "Li Wei", "category": "pirate"}}

    response = await api.post("/cases", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [error["field"] for error in problem["errors"]] == ["claimant.category"]
    assert "claimant.category" in problem["detail"]
    await asyncio.sleep(1.5)  # visibility is eventually consistent
    assert (await temporal.count_workflows()).count == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"claimant": {"category": "veteran"}, "needs": ["training"]}, "claimant.name"),
        ({"claimant": {"name": "Li", "category": "veteran"}, "needs": []}, "needs"),
        ({"claimant": {"name": "Li", "category": "veteran"}, "needs": ["lottery"]}, "needs.0"),
        (
            {"claimant": {"name": "  ", "category": "veteran"}, "needs": ["training"]},
            "claimant.name",
        ),
    ],
)
async def test_bad_intake_names_the_offending_field(
    api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await api.post("/cases", json=body)

    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_closing_records_the_reason_and_a_second_close_conflicts(
    api: httpx.AsyncClient,
) -> None:
    case_id = (await api.post("/cases", json=MINIMAL)).json()["id"]

    closed = await api.post(f"/cases/{case_id}/close", json={"reason": "moved to another county"})

    assert closed.status_code == 200, closed.text
    assert closed.json()["stage"] == "closed"
    assert (await api.get(f"/cases/{case_id}")).json()["close_reason"] == "moved to another county"
    again = await api.post(f"/cases/{case_id}/close", json={"reason": "again"})
    assert again.status_code == 409
    assert again.json()["code"] == "wrong_stage"


async def test_close_without_reason_is_rejected_and_case_stays_open(
    api: httpx.AsyncClient,
) -> None:
    case_id = (await api.post("/cases", json=MINIMAL)).json()["id"]

    response = await api.post(f"/cases/{case_id}/close", json={"reason": ""})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    assert (await api.get(f"/cases/{case_id}")).json()["stage"] == "intake"


async def test_unknown_case_answers_404_for_reads_and_steps(api: httpx.AsyncClient) -> None:
    unknown = uuid.uuid4()

    assert (await api.get(f"/cases/{unknown}")).status_code == 404
    response = await api.post(f"/cases/{unknown}/close", json={"reason": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"


async def test_list_is_newest_first_and_pages_without_gaps(api: httpx.AsyncClient) -> None:
    opened = [(await api.post("/cases", json=MINIMAL)).json()["id"] for _ in range(5)]

    seen: list[str] = []
    cursor = None
    while len(seen) < 5:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/cases", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        assert cursor is not None

    assert seen[:5] == list(reversed(opened))


async def test_garbage_cursor_is_a_422_not_a_500(api: httpx.AsyncClient) -> None:
    response = await api.get("/cases", params={"cursor": "not-a-cursor"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


async def test_health_and_ready(api: httpx.AsyncClient) -> None:
    assert (await api.get("/health")).json() == {"status": "ok"}
    ready = await api.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"temporal": True, "database": True}


async def test_log_lines_carry_request_and_case_context(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    request_id = uuid.uuid4().hex
    case_id = (await api.post("/cases", json=MINIMAL, headers={"x-request-id": request_id})).json()[
        "id"
    ]

    api_lines = [json.loads(line) for line in stack.log_of("api").splitlines() if "{" in line[:1]]
    assert any(line.get("request_id") == request_id for line in api_lines)
    worker_lines = [
        json.loads(line) for line in stack.log_of("worker").splitlines() if line.startswith("{")
    ]
    projected = [line for line in worker_lines if line.get("case_id") == case_id]
    assert projected and all(line["workflow_id"] == case_workflow_id(case_id) for line in projected)
