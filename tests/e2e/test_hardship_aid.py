"""Hardship assistance through the API, end to end: a family's request, the centre's
decision and its payments, who may take them, its clock, and its year-end figures traced
back to the case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.cases.records import CaseEventRecord, CaseRecord
from services.crypto.cipher import TEXT_PREFIX
from services.db import make_engine, make_session_factory
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
SITUATION = "Flooded home; the family of four sleeps at the in-laws'"
REQUEST = {"difficulty": "housing", "situation": SITUATION, "amount_requested": "5000.00"}
GRANTED = [
    "hardship_requested",
    "hardship_granted",
    "hardship_granted.military_family",
    "hardship_paid",
]


def _period() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}


async def _figures(supervisor: httpx.AsyncClient) -> dict[str, Any]:
    report = await supervisor.get("/reports/summary", params=_period())
    assert report.status_code == 200, report.text
    return {name: report.json()["figures"][name] for name in GRANTED}


def _minus(after: dict[str, Any], before: dict[str, Any]) -> tuple[int, Decimal]:
    """A figure's count and amount added between two reports."""

    def amount(figure: dict[str, Any]) -> Decimal:
        return Decimal(figure["amount"] or 0)

    return after["count"] - before["count"], amount(after) - amount(before)


async def _requested(api: httpx.AsyncClient) -> tuple[str, str]:
    intake = {
        "claimant": {"name": "Zhao Min", "category": "military_family"},
        "needs": ["hardship_aid"],
    }
    case_id = (await api.post("/cases", json=intake)).json()["id"]
    assert (await api.post(f"/cases/{case_id}/assessment", json={"accepted": True})).is_success
    made = await api.post(f"/cases/{case_id}/hardship-aid", json=REQUEST)
    assert made.status_code == 201, made.text
    request_id = made.headers["location"].rsplit("/", 1)[1]
    assert made.headers["location"] == f"/cases/{case_id}/hardship-aid/{request_id}"
    return case_id, request_id


@pytest.fixture
async def supervisor(stack: Stack) -> Any:
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=30, headers=stack.headers("supervisor")
    ) as client:
        yield client


async def test_a_request_is_granted_and_paid_out_and_counted_in_the_year_figures(
    api: httpx.AsyncClient, supervisor: httpx.AsyncClient
) -> None:
    before = await _figures(supervisor)
    case_id, request_id = await _requested(api)
    base = f"/cases/{case_id}/hardship-aid/{request_id}"

    granted = await api.post(f"{base}/grant", json={"amount_granted": "3000.00"})
    assert granted.status_code == 200, granted.text
    first = await api.post(f"{base}/payments", json={"amount": "1000", "paid_on": "2026-03-02"})
    assert first.json()["hardship_aid"][0]["status"] == "granted"
    too_much = await api.post(
        f"{base}/payments", json={"amount": "2000.01", "paid_on": "2026-04-02"}
    )
    assert too_much.status_code == 409
    assert (too_much.json()["code"], too_much.json()["errors"][0]["field"]) == (
        "amount_exceeds_grant",
        "amount",
    )
    paid = await api.post(f"{base}/payments", json={"amount": "2000", "paid_on": "2026-04-02"})

    request = paid.json()["hardship_aid"][0]
    assert (request["status"], request["situation"], request["amount_granted"]) == (
        "paid",
        SITUATION,
        "3000.00",
    )
    after = await _figures(supervisor)
    added = {name: _minus(after[name], before[name]) for name in GRANTED}
    assert added == {
        "hardship_requested": (1, Decimal("5000.00")),
        "hardship_granted": (1, Decimal("3000.00")),
        "hardship_granted.military_family": (1, Decimal("3000.00")),
        "hardship_paid": (2, Decimal("3000.00")),
    }
    for name in GRANTED:
        cases = await supervisor.get(
            "/reports/summary/cases", params={"figure": name, **_period(), "limit": 1000}
        )
        assert cases.status_code == 200, cases.text
        assert case_id in cases.json()["case_ids"], name


async def test_the_decision_clock_runs_from_the_request_until_it_is_decided(
    api: httpx.AsyncClient,
) -> None:
    case_id, request_id = await _requested(api)

    clocks = (await api.get(f"/cases/{case_id}/deadlines")).json()["open"]
    (decision,) = [c for c in clocks if c["kind"] == "hardship_decision"]
    assert decision["target"] == request_id
    refused = await api.post(
        f"/cases/{case_id}/hardship-aid/{request_id}/refusal", json={"reason": "above the line"}
    )

    assert refused.json()["hardship_aid"][0]["refusal_reason"] == "above the line"
    still_open = (await api.get(f"/cases/{case_id}/deadlines")).json()["open"]
    assert [c for c in still_open if c["kind"] == "hardship_decision"] == []


async def test_the_situation_is_sealed_in_the_database_and_readable_through_the_api(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    case_id, _ = await _requested(api)

    engine = make_engine(stack.database_url)
    try:
        with make_session_factory(engine)() as session:
            document = session.scalar(select(CaseRecord.document).where(CaseRecord.id == case_id))
            payload = session.scalar(
                select(CaseEventRecord.payload).where(
                    CaseEventRecord.case_id == case_id, CaseEventRecord.type == "hardship_requested"
                )
            )
    finally:
        engine.dispose()
    assert document is not None and payload is not None
    assert document["hardship_aid"][0]["situation"].startswith(TEXT_PREFIX)
    assert payload["situation"].startswith(TEXT_PREFIX)
    timeline = (await api.get(f"/cases/{case_id}/timeline")).json()["items"]
    assert [e["payload"]["situation"] for e in timeline if e["type"] == "hardship_requested"] == [
        SITUATION
    ]


async def test_only_staff_take_hardship_steps_and_bad_bodies_name_the_field(
    api: httpx.AsyncClient, supervisor: httpx.AsyncClient
) -> None:
    case_id, request_id = await _requested(api)

    by_supervisor = await supervisor.post(
        f"/cases/{case_id}/hardship-aid/{request_id}/grant", json={"amount_granted": "1"}
    )
    assert by_supervisor.status_code == 403
    unknown = await api.post(f"/cases/{case_id}/hardship-aid", json={**REQUEST, "difficulty": "x"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["difficulty"]
