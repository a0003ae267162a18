"""Operators find cases with the Temporal CLI, by search attributes that hold no PII.

``temporal workflow list --query 'CaseStage="active"'`` finds a case by its stage, and
``--query 'CaseLawyer="..."'`` finds a lawyer's case and its legal matter workflows.
Visibility is eventually consistent, so every look-up polls for a few seconds.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from casework.binaries import find_binary
from tests.e2e.stack import Stack
from workflows.ids import case_workflow_id, legal_matter_workflow_id

pytestmark = pytest.mark.e2e

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
Listing = list[dict[str, Any]]


def national_id(marker: str) -> str:
    """A valid resident ID number, born on a day in the 1980s that the marker picks."""
    number = int(marker[:12], 16)
    birth = f"198{number % 10}{number // 10 % 12 + 1:02d}{number // 120 % 28 + 1:02d}"
    body = f"110105{birth}{number // 3360 % 1000:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


async def workflow_list(stack: Stack, query: str) -> Listing:
    process = await asyncio.create_subprocess_exec(
        find_binary("temporal"),
        "workflow",
        "list",
        "--address",
        stack.temporal_address,
        "--query",
        query,
        "-o",
        "json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    listing: Listing = json.loads(out or b"[]")
    return listing


async def listed(
    stack: Stack, query: str, done: Callable[[set[str]], bool], within: float = 10
) -> Listing:
    """Poll the CLI until the workflow ids it lists satisfy ``done``."""
    deadline = time.monotonic() + within
    while True:
        listing = await workflow_list(stack, query)
        ids = {item["execution"]["workflowId"] for item in listing}
        if done(ids):
            return listing
        assert time.monotonic() < deadline, f"{query}: still {sorted(ids)} after {within}s"
        await asyncio.sleep(0.2)


def search_attributes(item: dict[str, Any]) -> dict[str, Any]:
    """The listing's search attributes, their payloads decoded."""
    fields = item.get("searchAttributes", {}).get("indexedFields", {})
    return {
        name: json.loads(base64.b64decode(payload.get("data", "")) or b"null")
        for name, payload in fields.items()
    }


def assert_no_pii(listing: Listing, secrets: list[str]) -> None:
    for item in listing:
        visible = {
            "workflow_id": item["execution"]["workflowId"],
            "search_attributes": search_attributes(item),
            "memo": item.get("memo", {}),
        }
        text = json.dumps(visible, ensure_ascii=False).lower()
        for secret in secrets:
            assert secret.lower() not in text, f"{secret!r} is visible in {visible}"


@pytest.fixture
async def lawyers_case(api: httpx.AsyncClient, stack: Stack) -> dict[str, Any]:
    """An active military-family case with a lawyer and one recorded infringement."""
    marker = uuid.uuid4().hex
    person = {
        "name": f"Liu Min {marker}",
        "category": "military_family",
        "national_id": national_id(marker),
        "phone": f"137{int(marker[-8:], 16) % 10**8:08d}",
        "address": f"Flat {marker[:4]}, Garrison Road",
    }
    body = {"claimant": person, "needs": ["legal_aid", "job_referral"]}
    created = await api.post("/cases", json=body)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    lawyer = stack.lawyer(f"lawyer-{marker}")
    for path, step, role in (
        ("assessment/start", {}, "staff"),
        ("assessment", {"accepted": True}, "staff"),
        ("lawyer", {"lawyer": lawyer}, "supervisor"),
    ):
        response = await api.post(
            f"/cases/{case_id}/{path}", json=step, headers=stack.headers(role)
        )
        assert response.status_code == 200, response.text
    recorded = await api.post(
        f"/cases/{case_id}/legal-matters",
        json={"infringement": "Refused leave to visit her husband's unit", "infringer": "Mill"},
    )
    assert recorded.status_code == 201, recorded.text
    matter = recorded.headers["location"].rsplit("/", 1)[1]
    return {
        "case_id": case_id,
        "matter": matter,
        "lawyer": lawyer,
        "marker": marker,
        "claimant": person,
        "workflow_id": case_workflow_id(case_id),
        "matter_workflow_id": legal_matter_workflow_id(case_id, matter),
    }


async def test_the_cli_finds_a_case_by_stage_and_by_lawyer_without_pii(
    stack: Stack, lawyers_case: dict[str, Any]
) -> None:
    case_wf, matter_wf = lawyers_case["workflow_id"], lawyers_case["matter_workflow_id"]

    by_stage = await listed(stack, 'CaseStage="active"', lambda ids: case_wf in ids)
    by_lawyer = await listed(
        stack, f'CaseLawyer="{lawyers_case["lawyer"]}"', lambda ids: ids == {case_wf, matter_wf}
    )

    (case_item,) = [item for item in by_stage if item["execution"]["workflowId"] == case_wf]
    assert case_item["type"]["name"] == "Case"
    attributes = search_attributes(case_item)
    assert attributes["CaseStage"] == "active"
    assert attributes["CaseCategory"] == "military_family"
    assert attributes["CaseLawyer"] == lawyers_case["lawyer"]
    assert sorted(attributes["CaseNeeds"]) == ["job_referral", "legal_aid"]
    types = {item["execution"]["workflowId"]: item["type"]["name"] for item in by_lawyer}
    assert types == {case_wf: "Case", matter_wf: "LegalMatter"}
    person = lawyers_case["claimant"]
    secrets = [
        person["name"],
        person["name"].replace(" ", ""),
        person["national_id"],
        person["national_id"][6:14],  # the birth date inside it
        person["phone"],
        person["address"],
    ]
    assert_no_pii(by_stage, secrets)
    assert_no_pii(by_lawyer, secrets)


async def test_a_reassigned_case_is_found_under_the_new_lawyer_only(
    api: httpx.AsyncClient, stack: Stack, lawyers_case: dict[str, Any]
) -> None:
    case_id = lawyers_case["case_id"]
    expected = {lawyers_case["workflow_id"], lawyers_case["matter_workflow_id"]}
    old, new = lawyers_case["lawyer"], stack.lawyer(f"lawyer-{uuid.uuid4().hex}")
    await listed(stack, f'CaseLawyer="{old}"', lambda ids: ids == expected)

    response = await api.post(
        f"/cases/{case_id}/lawyer", json={"lawyer": new}, headers=stack.headers("supervisor")
    )

    assert response.status_code == 200, response.text
    await listed(stack, f'CaseLawyer="{new}"', lambda ids: ids == expected)
    await listed(stack, f'CaseLawyer="{old}"', lambda ids: not ids)


async def test_a_closed_case_is_found_by_its_new_stage(
    api: httpx.AsyncClient, stack: Stack, lawyers_case: dict[str, Any]
) -> None:
    case_id, case_wf = lawyers_case["case_id"], lawyers_case["workflow_id"]
    await listed(stack, 'CaseStage="active"', lambda ids: case_wf in ids)

    closed = await api.post(
        f"/cases/{case_id}/close", json={"outcome": "withdrawn", "reason": "Moved with the unit"}
    )

    assert closed.status_code == 200, closed.text
    await listed(stack, 'CaseStage="closed"', lambda ids: case_wf in ids)
    await listed(stack, 'CaseStage="active"', lambda ids: case_wf not in ids)
