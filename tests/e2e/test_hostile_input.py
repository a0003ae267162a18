"""Hostile input against the real stack, on each database: whatever a client sends, no
answer is a server error, every refusal is problem+json naming what was wrong, and a
refused request changes nothing (the number of cases, and every case's version).

Two sides:
- schemathesis, with every check it has (``--checks all``: status codes, headers and
  bodies as documented, schema-valid requests accepted and invalid ones refused, 405 with
  ``Allow``, authentication enforced), positive and negative requests for each role on
  the routes its policy lets it call;
- Hypothesis, sending arbitrary Unicode, numbers, dates and shapes into every field of
  every write route's body and every query parameter of every read route.

A generated case id is swapped, most of the time, for a real case (the caller's own, or
another centre's) so that requests reach the workflow's own checks. The budget is a few
examples per route (``HOSTILE_EXAMPLES`` raises it for a longer run).
"""

from __future__ import annotations

import json
import os
import random
import uuid
import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import quote, quote_from_bytes

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi import checks as _openapi_checks
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from api.policy import POLICY
from casework.probes import free_port, wait_until_ready
from services.cases.records import CaseRecord
from services.db import make_engine
from tests.conftest import BACKENDS, PG_URL
from tests.e2e.stack import BIN, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.long]
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2"))
HOSTILE_CENTRE = f"hostile-{uuid.uuid4().hex[:8]}"
# A lawyer's routes are staff's, narrowed by the policy (the authorisation matrix tests it).
ROLES = ("staff", "supervisor", "admin")
# Checks that need a stateful run's history (resources made and deleted) say nothing here.
ALL_CHECKS = [
    check
    for check in CHECKS.get_all()
    if check.__name__ not in ("use_after_free", "ensure_resource_availability")
]
# Where the schema cannot state a rule the code keeps (JSON Schema has no words for it),
# a schema-valid request may be refused for it: the check that says otherwise is off there.
UNSTATABLE = {
    ("POST", "/register/imports"): "the rows and columns a spreadsheet must have",
    ("POST", "/campaigns"): "a visit window that ends after it starts, within a year",
    ("GET", "/cases"): "a cursor is one the API returned",
    ("GET", "/register/people"): "a cursor is one the API returned",
    ("GET", "/campaigns/{campaign_id}/households"): "a cursor is one the API returned",
    ("POST", "/cases/{case_id}/lawyer"): "a user name that is an active lawyer of the centre",
    ("PUT", "/register/townships/{township}"): "a user name that is a member of staff",
    ("GET", "/reports/summary"): "a period whose end is not before its start",
    ("GET", "/reports/summary/cases"): "a figure the report has; a period in order",
    ("POST", "/cases/{case_id}/training"): "a course that ends on or after it starts",
    ("POST", "/cases/{case_id}/owner"): "a user name that is an active member of staff",
    ("POST", "/cases/{case_id}/corrections"): "at least one field changed or cleared",
    ("POST", "/cases/{case_id}/evidence"): "a file whose content is of an accepted type",
    ("POST", "/reassignments"): "an active member of staff; whose cases, or which",
    ("POST", "/campaigns/{campaign_id}/visits"): "gifts only to a family that was reached",
}
# A well-formed If-Match naming a version the case is no longer at is answered 412 (RFC
# 9110), whatever the schema says of its form.
ACCEPTED_AS_VALID = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]
# A schema-violating body may also be too large to read (413, before any rule is checked).
REFUSED_AS_INVALID = [
    "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx",
]  # fmt: skip
# Generated, not shrunk: a failure is reported as found (shrinking costs many requests).
GENERATE = [Phase.explicit, Phase.generate]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_ids() -> st.SearchStrategy[str]:
    """Valid PRC resident ID numbers (the schema's ``cn-resident-id``)."""

    def make(area: int, born: date, serial: int) -> str:
        body = f"{area:06d}{born:%Y%m%d}{serial:03d}"
        total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
        return body + "10X98765432"[total % 11]

    return st.builds(
        make,
        st.integers(110000, 659999),
        st.dates(date(1920, 1, 1), date(2020, 12, 31)),
        st.integers(0, 999),
    )


schemathesis.openapi.format("cn-resident-id", _resident_ids())


@pytest.fixture(scope="module", params=BACKENDS)
def hostile(
    request: pytest.FixtureRequest, stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The session's stack (SQLite), or a worker and API on PostgreSQL beside it (on
    the same Temporal server, on a task queue of their own)."""
    if request.param == "sqlite":
        yield stack
        return
    assert PG_URL
    url = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"casework_hostile_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = url.set(database=name).render_as_string(hide_password=False)
    beside = Stack(
        workdir=tmp_path_factory.mktemp("hostile-pg"),
        database_url=database_url,
        temporal_port=stack.temporal_port,
        api_port=free_port(),
    )
    queue = {"TEMPORAL_TASK_QUEUE": f"casework-hostile-{uuid.uuid4().hex[:8]}"}
    try:
        beside.migrate()
        beside.start("worker", str(BIN / "casework"), "worker", env=queue)
        beside.start("api", str(BIN / "casework"), "api", env=queue)
        wait_until_ready(beside.api_url)
        yield beside
    finally:
        beside.stop_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def cases(hostile: Stack) -> dict[str, str]:
    """Real cases: the hostile centre's own (with its lawyer), and another centre's."""
    made = {}
    for key, centre in (("own", HOSTILE_CENTRE), ("other", f"{HOSTILE_CENTRE}-other")):
        body = {"claimant": {"name": "Hostile Case", "category": "veteran"},
                "needs": ["legal_aid", "job_referral"]}  # fmt: skip
        opened = httpx.post(f"{hostile.api_url}/cases", json=body,
                            params={"confirm_new": "true"},
                            headers=hostile.headers("staff", centre), timeout=60)  # fmt: skip
        assert opened.status_code == 201, opened.text
        made[key] = opened.json()["id"]
        assigned = httpx.post(
            f"{hostile.api_url}/cases/{made[key]}/lawyer",
            json={"lawyer": hostile.lawyer(f"lawyer@{centre}", centre)},
            headers=hostile.headers("supervisor", centre),
            timeout=60,
        )
        assert assigned.status_code == 200, assigned.text
    return made


class Snapshot:
    """The cases and their versions, to compare before and after a refused request."""

    def __init__(self, database_url: str) -> None:
        self._engine = make_engine(database_url)

    def take(self) -> dict[str, int]:
        with self._engine.connect() as connection:
            return dict(connection.execute(select(CaseRecord.id, CaseRecord.version)).all())  # type: ignore[arg-type]

    def close(self) -> None:
        self._engine.dispose()


def _callable_by(role: str, method: str, path: str) -> bool:
    rule = POLICY.get((method.upper(), path))
    return rule is not None and (rule.public or role in rule.roles)


def _real_case(path_parameters: dict[str, Any], cases: dict[str, str]) -> None:
    if "case_id" in path_parameters:
        pick = zlib.crc32(str(path_parameters["case_id"]).encode()) % 4
        if pick < 3:
            path_parameters["case_id"] = cases["own" if pick < 2 else "other"]


def _refusal_problems(
    response: httpx.Response | Any, refused_before: dict[str, int], after: dict[str, int]
) -> list[str]:
    """What is wrong with a 4xx answer: not problem+json, a 422 naming no field, or a
    change to the cases."""
    problems = []
    content_type = response.headers.get("content-type") or ""
    if isinstance(content_type, list):  # schemathesis's responses keep each header as a list
        content_type = content_type[0] if content_type else ""
    if content_type.split(";")[0] != "application/problem+json":
        problems.append(f"{response.status_code} is not problem+json")
    elif response.status_code == 422:
        body = response.json()
        if not body.get("errors") or not all(error.get("field") for error in body["errors"]):
            problems.append(f"422 names no field: {body}")
    if after != refused_before:
        problems.append("a refused request changed the cases")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_with_every_check_finds_nothing(
    role: str, hostile: Stack, cases: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_url(f"{hostile.api_url}/openapi.json")
    schema.config.checks.positive_data_acceptance.expected_statuses = ACCEPTED_AS_VALID
    schema.config.checks.negative_data_rejection.expected_statuses = REFUSED_AS_INVALID
    headers = hostile.headers(role, HOSTILE_CENTRE)
    snapshot = Snapshot(hostile.database_url)
    failures: list[str] = []
    fuzzed = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not _callable_by(role, operation.method, operation.path):
            continue
        fuzzed += 1
        strategy = st.one_of(
            operation.as_strategy(generation_mode=mode)
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
        )

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=GENERATE,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def fuzz(case: schemathesis.Case) -> None:
            if case.meta is None or case.meta.generation.mode.is_positive:
                # (A negative case's path stays as generated: a swapped one is valid.)
                _real_case(case.path_parameters or {}, cases)
            before = snapshot.take()
            unstatable = (case.operation.method.upper(), case.operation.path) in UNSTATABLE
            response = case.call_and_validate(
                headers=headers,
                checks=ALL_CHECKS,
                excluded_checks=[_openapi_checks.positive_data_acceptance] if unstatable else [],
                timeout=60,
            )
            if 400 <= response.status_code < 500 and response.status_code != 404:
                found = _refusal_problems(response, before, snapshot.take())
                assert not found, f"{case.method} {case.formatted_path}: {found}"

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as failure:  # every route; all failures
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    snapshot.close()

    assert fuzzed >= 3
    assert failures == [], "\n\n".join(failures)


def _hostile_values() -> st.SearchStrategy[Any]:
    odd_text = st.text(
        alphabet=st.characters(categories=["Cc", "Cf", "Cs", "Co", "Zl", "Zp", "Mn", "Lo"]),
        max_size=20,
    )
    return st.one_of(
        st.text(max_size=30),
        odd_text,
        st.text(min_size=4001, max_size=4100),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
        st.dates().map(str),
        st.datetimes().map(lambda moment: moment.isoformat()),
        st.sampled_from(
            [
                "0001-01-01",
                "9999-12-31",
                "0.5",
                "1e309",
                "9" * 400,
                "-1",
                "",
                "2026-02-30",
                "张\u0000伟",
                "\u202e",
                "\ud800",
            ]
        ),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    )


def _fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    while "$ref" in schema or "anyOf" in schema:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
        else:
            schema = next((each for each in schema["anyOf"] if each.get("type") != "null"), {})
    return sorted(schema.get("properties", {}))


def _targets(spec: dict[str, Any], role: str) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name): every body field of every JSON write route, every
    query parameter of every read route, that ``role`` may call."""
    targets = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not _callable_by(role, method, path):
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    targets.append((method, path, "query", parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                targets += [(method, path, "body", name) for name in _fields(spec, body["schema"])]
    return targets


@pytest.mark.parametrize("role", ("staff", "supervisor"))
def test_arbitrary_values_in_every_field_and_query_parameter_are_answered_without_harm(
    role: str, hostile: Stack, cases: dict[str, str]
) -> None:
    spec = httpx.get(f"{hostile.api_url}/openapi.json", timeout=30).json()
    headers = hostile.headers(role, HOSTILE_CENTRE)
    snapshot = Snapshot(hostile.database_url)
    targets = _targets(spec, role)
    failures: list[str] = []
    client = httpx.Client(base_url=hostile.api_url, headers=headers, timeout=60)

    @given(target=st.sampled_from(targets), value=_hostile_values(), seed=st.integers(0, 3))
    @settings(max_examples=len(targets) * EXAMPLES // 2, deadline=None, database=None,
              phases=GENERATE, suppress_health_check=list(HealthCheck))  # fmt: skip
    def send(target: tuple[str, str, str, str], value: Any, seed: int) -> None:
        method, path, where, name = target
        real = cases["other" if seed == 3 else "own"]
        url = path.replace("{case_id}", real)
        url = "/".join(random.Random(seed).choice(["R1", "M1", "E1", "P1", "H1", "S1", "F1",
                                                   str(uuid.uuid4()), "x"])
                       if part.startswith("{") else part for part in url.split("/"))  # fmt: skip
        before = snapshot.take()
        if where == "query":
            sent = value if isinstance(value, str) else json.dumps(value)
            # Percent-encoded by hand: a lone surrogate has no UTF-8 form httpx would make.
            raw = quote_from_bytes(sent.encode("utf-8", "surrogatepass"))
            response = client.request(method.upper(), f"{url}?{quote(name)}={raw}")
        else:
            content = json.dumps({name: value}, ensure_ascii=False).encode("utf-8", "surrogatepass")
            response = client.request(method.upper(), url, content=content,
                                      headers={"Content-Type": "application/json"})  # fmt: skip
        label = f"{method.upper()} {path} {where}:{name}={value!r:.80}"
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} {response.text[:200]}")
        elif 400 <= response.status_code < 500:
            failures.extend(f"{label}: {found}" for found in
                            _refusal_problems(response, before, snapshot.take()))  # fmt: skip

    send()
    client.close()
    snapshot.close()

    assert len(targets) > 50
    assert failures == [], "\n".join(failures[:30])
