"""Property-based fuzzing of every route from the OpenAPI schema (schemathesis), signed in
as each role, against the real stack: no input may yield a server error, and every answer
must match the schema (status code, content type, headers, body).

Each role fuzzes the routes its policy lets it call (the matrix test covers the refusals).
A generated case id is swapped, most of the time, for a real case: one the caller may see,
or one of another centre, so that bodies reach the workflow's own checks. The budget is a
few examples per route; ``FUZZ_EXAMPLES`` raises it for a longer run.
"""

from __future__ import annotations

import os
import uuid
import zlib

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.policy import POLICY
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ_CENTRE = f"fuzz-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def api_schema(stack: Stack) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{stack.api_url}/openapi.json")


@pytest.fixture(scope="module")
def cases(stack: Stack) -> dict[str, list[str]]:
    """Real cases by whose they are: the fuzzing centre's (assigned to its lawyer), and
    another centre's."""
    made: dict[str, list[str]] = {"own": [], "other": []}
    for key, centre in (("own", FUZZ_CENTRE), ("other", f"{FUZZ_CENTRE}-other")):
        body = {
            "claimant": {"name": "Fuzz Case", "category": "veteran"},
            "needs": ["legal_aid", "job_referral"],
        }
        opened = httpx.post(
            f"{stack.api_url}/cases",
            json=body,
            params={"confirm_new": "true"},
            headers=stack.headers("staff", centre),
            timeout=60,
        )
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        assigned = httpx.post(
            f"{stack.api_url}/cases/{case_id}/lawyer",
            json={"lawyer": stack.lawyer(f"lawyer@{centre}", centre)},
            headers=stack.headers("supervisor", centre),
            timeout=60,
        )
        assert assigned.status_code == 200, assigned.text
        made[key].append(case_id)
    return made


def _callable_by(role: str, operation: schemathesis.APIOperation) -> bool:
    rule = POLICY.get((operation.method.upper(), operation.path))
    return rule is not None and (rule.public or role in rule.roles)


@pytest.mark.parametrize("role", ["staff", "lawyer", "supervisor", "admin"])
def test_no_generated_request_yields_a_server_error_or_an_answer_off_the_schema(
    role: str, stack: Stack, api_schema: schemathesis.BaseSchema, cases: dict[str, list[str]]
) -> None:
    headers = stack.headers(role, FUZZ_CENTRE)
    failures: list[str] = []
    fuzzed = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not _callable_by(role, operation):
            continue
        fuzzed += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            if "case_id" in (case.path_parameters or {}):
                # Mostly a real case (own or other centre), sometimes what was generated.
                pick = zlib.crc32(str(case.path_parameters["case_id"]).encode()) % 4
                if pick < 3:
                    case.path_parameters["case_id"] = cases["own" if pick < 2 else "other"][0]
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)

        try:
            fuzz()
        except Exception as failure:  # every route is fuzzed; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")

    assert fuzzed >= 3
    assert failures == [], "\n\n".join(failures)
