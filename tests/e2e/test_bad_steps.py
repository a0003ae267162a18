"""Bad steps through the HTTP API: each gets a clear 4xx problem+json and changes nothing.

A problem names its ``code`` and, where one field is at fault, that field in
``errors[].field`` (as the client wrote it: ``claimant.national_id``, ``reason``,
``referral_id``). After a refused step the case reads exactly as before, and its history
has not grown.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.ids import case_workflow_id

pytestmark = pytest.mark.e2e

TODAY = datetime.now(UTC).date()
COURSE = {
    "course": "Forklift operation",
    "provider": "County vocational school",
    "starts_on": TODAY.isoformat(),
    "ends_on": (TODAY + timedelta(days=30)).isoformat(),
}
PLACEMENT = {"starts_on": TODAY.isoformat(), "monthly_wage": "4000.00"}
INFRINGEMENT = {"infringement": "Wages withheld from a serving member's spouse", "infringer": "X"}


def claimant(marker: str, category: str = "military_family") -> dict[str, Any]:
    return {"name": f"Test Claimant {marker}", "category": category}


async def open_case(
    api: httpx.AsyncClient, needs: list[str], *, active: bool = False
) -> tuple[str, str]:
    """A new case (at intake, or accepted and active) of a person no other test uses."""
    marker = uuid.uuid4().hex
    created = await api.post("/cases", json={"claimant": claimant(marker), "needs": needs})
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    if active:
        for path, body in (("assessment/start", {}), ("assessment", {"accepted": True})):
            response = await api.post(f"/cases/{case_id}/{path}", json=body)
            assert response.status_code == 200, response.text
    return case_id, marker


async def state_of(api: httpx.AsyncClient, case_id: str) -> tuple[dict[str, Any], list[Any]]:
    case = await api.get(f"/cases/{case_id}")
    history = await api.get(f"/cases/{case_id}/history")
    assert case.status_code == 200 and history.status_code == 200
    return case.json(), history.json()["items"]


async def refused(
    api: httpx.AsyncClient, case_id: str, send: Callable[[], Awaitable[httpx.Response]]
) -> httpx.Response:
    """Send a bad step; assert that the case and its history are as they were."""
    case_before, history_before = await state_of(api, case_id)
    response = await send()
    case_after, history_after = await state_of(api, case_id)
    assert case_after == case_before
    assert len(history_after) == len(history_before)
    assert history_after == history_before
    return response


def assert_problem(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["type"] == f"/problems/{code.replace('_', '-')}"
    assert problem["title"] and problem["detail"]
    if field is not None:
        assert [error["field"] for error in problem["errors"]] == [field], problem
        assert all(error["message"] for error in problem["errors"])
    return problem


@pytest.mark.parametrize(
    ("needs", "path", "body"),
    [
        (["training"], "training", COURSE),
        (
            ["job_referral"],
            "referrals",
            {"employer": "Bus company", "position": "driver", "referred_on": TODAY.isoformat()},
        ),
        (["startup_aid"], "startup-aid", {"plan": "Noodle shop", "amount_requested": "5000.00"}),
        (
            ["fee_relief"],
            "fee-relief",
            {"bureau": "tax", "request": "Reduce tax", "submitted_on": TODAY.isoformat()},
        ),
    ],
)
async def test_a_track_step_before_eligibility_is_in_the_wrong_stage(
    api: httpx.AsyncClient, needs: list[str], path: str, body: dict[str, Any]
) -> None:
    case_id, _ = await open_case(api, needs)

    response = await refused(api, case_id, lambda: api.post(f"/cases/{case_id}/{path}", json=body))

    problem = assert_problem(response, 409, "wrong_stage", "stage")
    assert "intake" in problem["detail"]


async def test_reopening_a_case_that_is_open_is_in_the_wrong_stage(
    api: httpx.AsyncClient,
) -> None:
    case_id, _ = await open_case(api, ["training"], active=True)

    response = await refused(
        api, case_id, lambda: api.post(f"/cases/{case_id}/reopen", json={"reason": "again"})
    )

    assert_problem(response, 409, "wrong_stage", "stage")


@pytest.mark.parametrize(
    ("path", "body", "code", "field"),
    [
        ("referrals/R999/placement", PLACEMENT, "unknown_referral", "referral_id"),
        ("training/T999/completion", {}, "unknown_enrolment", "enrolment_id"),
        (
            "startup-aid/S999/approval",
            {"amount_approved": "100.00"},
            "unknown_application",
            "application_id",
        ),
        ("fee-relief/P999/grant", {"relief": "fees waived"}, "unknown_petition", "petition_id"),
        (
            "legal-matters/M999/referrals",
            {"department": "labour", "channel": "phone"},
            "unknown_matter",
            "matter_id",
        ),
        # The id of an item of another kind (the intake step itself is seq 1).
        (
            "referrals/R1/interview",
            {"interview_on": TODAY.isoformat()},
            "unknown_referral",
            "referral_id",
        ),
    ],
)
async def test_a_step_on_an_item_the_case_does_not_have_names_the_item(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], code: str, field: str
) -> None:
    needs = ["training", "job_referral", "startup_aid", "fee_relief", "legal_aid"]
    case_id, _ = await open_case(api, needs, active=True)

    response = await refused(api, case_id, lambda: api.post(f"/cases/{case_id}/{path}", json=body))

    problem = assert_problem(response, 409, code, field)
    assert repr(path.split("/")[1]) in problem["detail"]


@pytest.mark.parametrize(
    ("national_id", "phone", "field"),
    [
        ("110105194912310021", None, "claimant.national_id"),  # check digit should be X
        ("11010519491231002", None, "claimant.national_id"),  # 17 characters
        ("110105194902300010", None, "claimant.national_id"),  # born on 30 February
        (None, "12345", "claimant.phone"),
        (None, "23800138000", "claimant.phone"),  # mobiles start 13-19
    ],
)
async def test_intake_with_an_invalid_identity_number_or_phone_names_the_field(
    api: httpx.AsyncClient, national_id: str | None, phone: str | None, field: str
) -> None:
    newest, _ = await open_case(api, ["job_referral"])
    person = {**claimant(uuid.uuid4().hex), "national_id": national_id, "phone": phone}

    response = await api.post("/cases", json={"claimant": person, "needs": ["job_referral"]})

    problem = assert_problem(response, 422, "validation_error", field)
    assert field in problem["detail"]
    listed = await api.get("/cases", params={"limit": 1})
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [newest]  # no case was opened


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("withdraw", {"reason": ""}),
        ("withdraw", {"reason": "   "}),
        ("withdraw", {}),
        ("assessment", {"accepted": False, "reason": ""}),
        ("close", {"outcome": "unreachable", "reason": " "}),
    ],
)
async def test_an_empty_reason_where_one_is_required_names_reason(
    api: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    case_id, _ = await open_case(api, ["job_referral"])

    response = await refused(api, case_id, lambda: api.post(f"/cases/{case_id}/{path}", json=body))

    assert_problem(response, 422, "validation_error", "reason")


async def test_rejecting_eligibility_needs_a_reason(api: httpx.AsyncClient) -> None:
    case_id, _ = await open_case(api, ["job_referral"])
    assert (await api.post(f"/cases/{case_id}/assessment/start", json={})).status_code == 200

    response = await refused(
        api, case_id, lambda: api.post(f"/cases/{case_id}/assessment", json={"accepted": False})
    )

    assert_problem(response, 409, "reason_required", "reason")
    with_reason = {"accepted": False, "reason": "Not a military family member"}
    rejected = await api.post(f"/cases/{case_id}/assessment", json=with_reason)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["stage"] == "closed"
    assert rejected.json()["outcome"] == "not_eligible"


async def test_closing_with_an_open_legal_matter_needs_a_reason(api: httpx.AsyncClient) -> None:
    case_id, _ = await open_case(api, ["legal_aid"])
    recorded = await api.post(f"/cases/{case_id}/legal-matters", json=INFRINGEMENT)
    assert recorded.status_code == 201, recorded.text
    matter = recorded.headers["location"].rsplit("/", 1)[1]

    response = await refused(api, case_id, lambda: api.post(f"/cases/{case_id}/close", json={}))

    problem = assert_problem(response, 409, "reason_required", "reason")
    assert f"legal matter {matter}" in problem["detail"]
    reason = {"outcome": "no_remedy", "reason": "The family moved away"}
    closed = await api.post(f"/cases/{case_id}/close", json=reason)
    assert closed.status_code == 200, closed.text
    assert [m["status"] for m in closed.json()["legal_matters"]] == ["closed_without_remedy"]


async def test_a_follow_up_before_it_falls_due_is_refused_naming_the_day(
    api: httpx.AsyncClient,
) -> None:
    case_id, _ = await open_case(api, ["job_referral"], active=True)
    body = {"employer": "Bus company", "position": "driver", "referred_on": TODAY.isoformat()}
    referred = await api.post(f"/cases/{case_id}/referrals", json=body)
    assert referred.status_code == 201, referred.text
    referral = referred.headers["location"].rsplit("/", 1)[1]
    for step, step_body in (("offer", {}), ("placement", PLACEMENT)):
        response = await api.post(f"/cases/{case_id}/referrals/{referral}/{step}", json=step_body)
        assert response.status_code == 200, response.text

    response = await refused(
        api,
        case_id,
        lambda: api.post(
            f"/cases/{case_id}/referrals/{referral}/follow-ups",
            json={"day": 30, "still_employed": True},
        ),
    )

    assert_problem(response, 409, "follow_up_not_due", "day")


async def test_disbursing_more_than_approved_is_refused_naming_the_amount(
    api: httpx.AsyncClient,
) -> None:
    case_id, _ = await open_case(api, ["startup_aid"], active=True)
    applied = await api.post(
        f"/cases/{case_id}/startup-aid", json={"plan": "Tea stall", "amount_requested": "8000.00"}
    )
    assert applied.status_code == 201, applied.text
    application = applied.headers["location"].rsplit("/", 1)[1]
    approved = await api.post(
        f"/cases/{case_id}/startup-aid/{application}/approval", json={"amount_approved": "5000.00"}
    )
    assert approved.status_code == 200, approved.text

    response = await refused(
        api,
        case_id,
        lambda: api.post(
            f"/cases/{case_id}/startup-aid/{application}/disbursement",
            json={"amount": "5000.01", "disbursed_on": TODAY.isoformat()},
        ),
    )

    assert_problem(response, 409, "amount_exceeds_approval", "amount")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("referrals/xyz/placement", PLACEMENT, "referral_id"),
        ("referrals/r5/placement", PLACEMENT, "referral_id"),
        ("training/T/completion", {}, "enrolment_id"),
        ("startup-aid/S1234567890/approval", {"amount_approved": "1.00"}, "application_id"),
        ("legal-matters/R5/resolution", {"outcome": "settled"}, "matter_id"),
    ],
)
async def test_a_malformed_item_id_in_the_path_names_the_path_parameter(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    needs = ["training", "job_referral", "startup_aid", "legal_aid"]
    case_id, _ = await open_case(api, needs, active=True)

    response = await refused(api, case_id, lambda: api.post(f"/cases/{case_id}/{path}", json=body))

    assert_problem(response, 422, "validation_error", field)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("GET", "/history", None),
        ("GET", "/tasks", None),
        ("GET", "/legal-matters/M2", None),
        ("POST", "/assessment/start", {}),
        ("POST", "/referrals/R4/placement", PLACEMENT),
        ("POST", "/legal-matters", INFRINGEMENT),
        ("POST", "/close", {"reason": "x"}),
    ],
)
async def test_an_unknown_case_is_404_and_nothing_is_started(
    api: httpx.AsyncClient, temporal: Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    unknown = str(uuid.uuid4())

    response = await api.request(method, f"/cases/{unknown}{path}", json=body)

    assert_problem(response, 404, "case_not_found")
    with pytest.raises(RPCError) as missing:
        await temporal.get_workflow_handle(case_workflow_id(unknown)).describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND


async def test_an_unknown_legal_matter_of_a_known_case_is_not_called_an_unknown_case(
    api: httpx.AsyncClient,
) -> None:
    case_id, _ = await open_case(api, ["legal_aid"])

    response = await api.get(f"/cases/{case_id}/legal-matters/M999")

    assert response.status_code == 404
    assert response.json()["code"] != "case_not_found"
    assert (await api.get(f"/cases/{case_id}")).status_code == 200


async def test_a_case_id_that_is_not_a_uuid_names_case_id(api: httpx.AsyncClient) -> None:
    response = await api.post("/cases/not-a-case/close", json={"reason": "x"})

    assert_problem(response, 422, "validation_error", "case_id")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("referrals/R4/follow-ups", {"day": 30, "still_employed": False}, "reason"),
        (
            "training",
            {**COURSE, "ends_on": (TODAY - timedelta(days=1)).isoformat()},
            "ends_on",
        ),
        (
            "fee-relief",
            {"bureau": "other", "request": "Waive fees", "submitted_on": TODAY.isoformat()},
            "bureau_name",
        ),
    ],
)
async def test_a_field_required_by_another_field_is_named(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    case_id, _ = await open_case(api, ["training", "job_referral", "fee_relief"], active=True)

    response = await refused(api, case_id, lambda: api.post(f"/cases/{case_id}/{path}", json=body))

    assert_problem(response, 422, "validation_error", field)
