"""Idempotency keys and If-Match: repeats do nothing again, stale writes are refused."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from temporalio.client import Client

pytestmark = pytest.mark.e2e


def _intake(name: str) -> dict[str, object]:
    return {"claimant": {"name": name, "category": "veteran"}, "needs": ["job_referral"]}


async def test_fifty_concurrent_intakes_with_one_key_open_exactly_one_case(
    api: httpx.AsyncClient, temporal: Client
) -> None:
    key = f"intake-{uuid.uuid4()}"
    body = _intake(f"Zhao {uuid.uuid4().hex[:6]}")

    responses = await asyncio.gather(
        *(api.post("/cases", json=body, headers={"Idempotency-Key": key}) for _ in range(50))
    )

    assert {response.status_code for response in responses} == {201}
    ids = {response.json()["id"] for response in responses}
    assert len(ids) == 1
    (case_id,) = ids
    history = (await api.get(f"/cases/{case_id}/history")).json()["items"]
    assert [event["step"]["kind"] for event in history] == ["case_opened"]
    listed = (await api.get("/cases", params={"text": body["claimant"]["name"]})).json()  # type: ignore[index]
    assert [item["id"] for item in listed["items"]] == [case_id], listed


async def test_a_repeated_step_returns_the_first_result_and_records_once(
    api: httpx.AsyncClient,
) -> None:
    case_id = (await api.post("/cases", json=_intake("Qian Yi"))).json()["id"]
    headers = {"Idempotency-Key": f"accept-{uuid.uuid4()}"}

    first = await api.post(f"/cases/{case_id}/assessment", json={"accepted": True}, headers=headers)
    again = await api.post(f"/cases/{case_id}/assessment", json={"accepted": True}, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json()["version"] == first.json()["version"] == 2
    history = (await api.get(f"/cases/{case_id}/history")).json()["items"]
    kinds = [event["step"]["kind"] for event in history]
    assert kinds == ["case_opened", "eligibility_decided"]


async def test_a_key_reused_with_another_body_is_refused_and_changes_nothing(
    api: httpx.AsyncClient,
) -> None:
    case_id = (await api.post("/cases", json=_intake("Sun Er"))).json()["id"]
    headers = {"Idempotency-Key": f"decide-{uuid.uuid4()}"}
    await api.post(f"/cases/{case_id}/assessment", json={"accepted": True}, headers=headers)
    before = (await api.get(f"/cases/{case_id}")).json()

    reused = await api.post(
        f"/cases/{case_id}/withdraw", json={"reason": "moved away"}, headers=headers
    )

    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert (await api.get(f"/cases/{case_id}")).json() == before


async def test_a_stale_if_match_is_refused_with_412_and_a_current_one_applies(
    api: httpx.AsyncClient,
) -> None:
    created = await api.post("/cases", json=_intake("Li Si"))
    case_id, etag = created.json()["id"], created.headers["etag"]
    accepted = await api.post(
        f"/cases/{case_id}/assessment", json={"accepted": True}, headers={"If-Match": etag}
    )
    assert accepted.status_code == 200
    assert accepted.headers["etag"] == '"2"'

    stale = await api.post(
        f"/cases/{case_id}/withdraw", json={"reason": "duplicate"}, headers={"If-Match": etag}
    )

    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert (await api.get(f"/cases/{case_id}")).json()["stage"] == "active"


async def test_a_malformed_idempotency_key_is_a_422_naming_the_header(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/cases", json=_intake("Zhou Wu"), headers={"Idempotency-Key": "x"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
