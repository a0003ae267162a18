"""Authorisation matrix: every route, role and case (own centre / other centre, assigned to
the lawyer or not), against the real stack.

The expectations are the table below, written independently of ``api/policy.py``. A
route the table does not name fails the suite, so a new route cannot ship without a
decision on who may call it.

A call is *denied* when it answers 401, 403, or 404 ``case_not_found``; anything else
(including 409 or 422: the request reached the route's own checks) means it was let
through. Step bodies carry an unknown field, so an allowed step is refused by validation
and changes nothing.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.routes import api_routes
from tests.e2e.stack import PASSWORD, Stack, user_name

pytestmark = pytest.mark.e2e

ROLES = ("staff", "lawyer", "supervisor", "head", "admin")
SITUATIONS = ("own_unassigned", "own_assigned", "other_assigned", "other_unassigned")
# Which cases each role sees: staff, supervisors and the centre head their centre's, a
# lawyer their centre's cases assigned to them, admin none.
SEES = {
    "staff": {"own_unassigned", "own_assigned"},
    "supervisor": {"own_unassigned", "own_assigned"},
    "head": {"own_unassigned", "own_assigned"},
    "lawyer": {"own_assigned"},
    "admin": set(),
}
EVERYONE = "public"
READERS = "staff lawyer supervisor head"
SIGNED_IN = "staff lawyer supervisor head admin"
C = "/cases/{case_id}"
# Who may call each route (the roles, or "public"); for routes under a case, only on the
# cases the role sees.
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/health"): EVERYONE,
    ("GET", "/ready"): EVERYONE,
    ("POST", "/auth/token"): EVERYONE,
    ("GET", "/auth/me"): SIGNED_IN,
    ("POST", "/auth/password"): SIGNED_IN,
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("POST", "/users/{username}/disable"): "admin",
    ("POST", "/users/{username}/password"): "admin",
    ("POST", "/users/{username}/role"): "admin",
    ("GET", "/account-requests"): "admin",
    ("POST", "/account-requests/{request_id}/approve"): "admin",
    ("POST", "/account-requests/{request_id}/refuse"): "admin",
    ("GET", "/account-log"): "supervisor admin",
    ("GET", "/cases"): READERS,
    ("GET", "/cases/by-number/{number}"): READERS,
    ("GET", "/tasks"): READERS,
    ("GET", "/escalations"): "staff supervisor head",
    ("GET", "/reports/summary"): "supervisor head",
    ("GET", "/reports/summary/cases"): "supervisor head",
    ("GET", "/access-log"): "supervisor",
    ("GET", "/reassignments/disabled-owners"): "supervisor",
    ("POST", "/reassignments"): "supervisor",
    ("GET", "/reassignments/{reassignment_id}"): "supervisor",
    ("GET", "/department/{token}"): EVERYONE,
    ("POST", "/department/{token}/acknowledge"): EVERYONE,
    ("POST", "/department/{token}/result"): EVERYONE,
    ("POST", "/department/{token}/progress"): EVERYONE,
    ("POST", "/department/{token}/reply"): EVERYONE,
    ("GET", "/notifications"): "supervisor",
    ("POST", "/notifications/{notification_id}/retry"): "supervisor",
    ("GET", "/users/{username}/contact"): "admin",
    ("PUT", "/users/{username}/contact"): "admin",
    ("POST", "/codec/decode"): "supervisor",
    ("POST", "/codec/encode"): "supervisor",
    ("POST", "/cases"): "staff",
    ("GET", C): READERS,
    ("GET", f"{C}/timeline"): READERS,
    ("GET", f"{C}/timeline/verify"): READERS,
    ("GET", f"{C}/history"): READERS,
    ("GET", f"{C}/tasks"): READERS,
    ("GET", f"{C}/deadlines"): READERS,
    ("GET", f"{C}/legal-matters/{{matter_id}}"): READERS,
    ("GET", f"{C}/legal-matters/{{matter_id}}/letters"): READERS,
    ("GET", f"{C}/legal-matters/{{matter_id}}/letters/{{seq}}"): READERS,
    ("GET", f"{C}/access-log"): "supervisor",
    ("GET", f"{C}/evidence"): READERS,
    ("GET", f"{C}/evidence/{{file_id}}"): READERS,
    ("POST", f"{C}/evidence"): "staff lawyer",
    ("POST", f"{C}/assessment/start"): "staff",
    ("POST", f"{C}/assessment"): "staff",
    ("POST", f"{C}/needs"): "staff",
    ("POST", f"{C}/lawyer"): "supervisor",
    ("POST", f"{C}/owner"): "supervisor",
    ("POST", f"{C}/close"): "staff",
    ("POST", f"{C}/withdraw"): "staff",
    ("POST", f"{C}/reopen"): "staff",
    ("POST", f"{C}/deadlines/pause"): "staff",
    ("POST", f"{C}/deadlines/resume"): "staff",
    ("POST", f"{C}/notes"): "staff lawyer",
    ("POST", f"{C}/corrections"): "staff",
    ("POST", f"{C}/training"): "staff",
    ("POST", f"{C}/training/{{enrolment_id}}/completion"): "staff",
    ("POST", f"{C}/training/{{enrolment_id}}/drop"): "staff",
    ("POST", f"{C}/referrals"): "staff",
    ("POST", f"{C}/referrals/{{referral_id}}/interview"): "staff",
    ("POST", f"{C}/referrals/{{referral_id}}/offer"): "staff",
    ("POST", f"{C}/referrals/{{referral_id}}/placement"): "staff",
    ("POST", f"{C}/referrals/{{referral_id}}/not-placed"): "staff",
    ("POST", f"{C}/referrals/{{referral_id}}/follow-ups"): "staff",
    ("POST", f"{C}/startup-aid"): "staff",
    ("POST", f"{C}/startup-aid/{{application_id}}/approval"): "staff",
    ("POST", f"{C}/startup-aid/{{application_id}}/refusal"): "staff",
    ("POST", f"{C}/startup-aid/{{application_id}}/disbursement"): "staff",
    ("POST", f"{C}/fee-relief"): "staff",
    ("POST", f"{C}/fee-relief/{{petition_id}}/grant"): "staff",
    ("POST", f"{C}/fee-relief/{{petition_id}}/refusal"): "staff",
    ("POST", f"{C}/legal-matters"): "staff lawyer",
    ("POST", f"{C}/legal-matters/{{matter_id}}/referrals"): "staff lawyer",
    ("POST", f"{C}/legal-matters/{{matter_id}}/acknowledgements"): "staff lawyer",
    ("POST", f"{C}/legal-matters/{{matter_id}}/resolution"): "staff lawyer",
    ("POST", f"{C}/legal-matters/{{matter_id}}/closure"): "staff lawyer",
    ("POST", f"{C}/legal-matters/{{matter_id}}/link-revocations"): "staff lawyer",
    ("POST", f"{C}/legal-matters/{{matter_id}}/link-reissues"): "staff lawyer",
    ("POST", f"{C}/legal-matters/{{matter_id}}/progress"): "staff lawyer",
    ("POST", f"{C}/hardship-aid"): "staff",
    ("POST", f"{C}/hardship-aid/{{request_id}}/grant"): "staff",
    ("POST", f"{C}/hardship-aid/{{request_id}}/refusal"): "staff",
    ("POST", f"{C}/hardship-aid/{{request_id}}/payments"): "staff",
    ("GET", "/register/people"): "staff supervisor",
    ("POST", "/register/people"): "staff",
    ("GET", "/register/people/{person_id}"): "staff supervisor",
    ("PATCH", "/register/people/{person_id}"): "staff",
    ("GET", "/register/people/{person_id}/visits"): "staff supervisor",
    ("GET", "/register/people/{person_id}/cases"): "staff supervisor",
    ("POST", "/register/imports"): "staff",
    ("GET", "/register/townships"): "staff supervisor",
    ("PUT", "/register/townships/{township}"): "supervisor",
    ("GET", "/register/journal"): "supervisor",
    ("GET", "/campaigns"): "staff supervisor",
    ("POST", "/campaigns"): "staff",
    ("GET", "/campaigns/years/{year}/figures"): "supervisor",
    ("GET", "/campaigns/{campaign_id}"): "staff supervisor",
    ("POST", "/campaigns/{campaign_id}/households"): "staff",
    ("GET", "/campaigns/{campaign_id}/households"): "staff supervisor",
    ("POST", "/campaigns/{campaign_id}/visits"): "staff",
    ("POST", "/campaigns/{campaign_id}/visits/{visit_id}/case"): "staff",
    ("GET", "/campaigns/{campaign_id}/figures"): "staff supervisor",
}
# The console (signed in with its session cookie; every form post with its CSRF token).
# A step form's own step is checked once more against the API's row of that step: the
# probes name no step, so that this table is about the pages' own rows.
K = "/console/cases/{case_id}"
EXPECTED |= {
    ("GET", "/console/sign-in"): EVERYONE,
    ("POST", "/console/sign-in"): EVERYONE,
    ("POST", "/console/language"): EVERYONE,
    ("POST", "/console/sign-out"): SIGNED_IN,
    ("GET", "/console/password"): SIGNED_IN,
    ("POST", "/console/password"): SIGNED_IN,
    ("GET", "/console/"): SIGNED_IN,
    ("GET", "/console/cases"): READERS,
    ("GET", "/console/cases/new"): "staff",
    ("POST", "/console/cases"): "staff",
    ("GET", K): READERS,
    ("GET", f"{K}/receipt"): "staff supervisor",
    ("GET", f"{K}/steps/{{step}}"): "staff lawyer supervisor",
    ("POST", f"{K}/steps/{{step}}"): "staff lawyer supervisor",
    ("GET", f"{K}/matters/{{matter_id}}"): READERS,
    ("GET", "/console/matters"): "lawyer",
    ("GET", "/console/register"): "staff supervisor",
    ("GET", "/console/register/{person_id}"): "staff supervisor",
    ("GET", "/console/campaigns"): "staff supervisor",
    ("GET", "/console/campaigns/{campaign_id}"): "staff supervisor",
    ("GET", "/console/campaigns/{campaign_id}/visits/new"): "staff",
    ("POST", "/console/campaigns/{campaign_id}/visits"): "staff",
    ("POST", "/console/register/{person_id}/visits/{visit_id}/case"): "staff",
    ("GET", "/console/dashboard"): "supervisor head",
    ("GET", "/console/dashboard/cases"): "supervisor head",
    ("GET", "/console/escalations"): "supervisor head",
    ("GET", f"{K}/audit"): "supervisor head",
    ("GET", "/console/exports/summary.xlsx"): "supervisor head",
    ("GET", "/console/exports/summary.csv"): "supervisor head",
    ("GET", "/console/exports/cases.xlsx"): "supervisor head",
    ("GET", "/console/exports/cases.csv"): "supervisor head",
    ("GET", "/console/accounts"): "admin",
    ("POST", "/console/accounts"): "admin",
    ("POST", "/console/accounts/{username}/disable"): "admin",
    ("POST", "/console/accounts/{username}/password"): "admin",
    ("POST", "/console/account-requests/{request_id}/{decision}"): "admin",
}
OTHER_PARAMS = {
    "{enrolment_id}": "T1",
    "{referral_id}": "R1",
    "{application_id}": "S1",
    "{petition_id}": "P1",
    "{matter_id}": "M1",
    "{request_id}": "H1",
    "{username}": "nobody-here",
    "{step}": "no-such-step",
    "{person_id}": "00000000-0000-4000-8000-000000000001",
    "{campaign_id}": "00000000-0000-4000-8000-000000000002",
    "{township}": "城关镇",
    "{year}": "2027",
    "{number}": "2026-9999",  # none: the route is let through, to answer 404 of its own
    "{reassignment_id}": "00000000-0000-4000-8000-000000000003",
    "{notification_id}": "1",
    "{seq}": "1",
    "{file_id}": "00000000-0000-4000-8000-000000000003",
    "{token}": "WyJhIiwiTTEiLCJsYWJvdXIiLDFd.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "{decision}": "refuse",
}
QUERIES = {
    "/reports/summary": {"from": "2026-01-01", "to": "2026-12-31"},
    "/reports/summary/cases": {"figure": "placements", "from": "2026-01-01", "to": "2026-12-31"},
    "/console/dashboard/cases": {"figure": "placements"},
}
# Refused by validation wherever a body is read (every body model forbids extra fields).
INERT_BODY = {"matrix_probe": True}
INERT_FORM = {"matrix_probe": "1"}


@dataclass
class World:
    centre: str
    other: str
    cases: dict[str, str]  # situation -> case id
    headers: dict[str, dict[str, str]]  # role -> Authorization at ``centre``
    console: dict[str, dict[str, str]]  # role -> console session cookie and CSRF header

    def lawyer(self) -> str:
        return f"lawyer@{self.centre}"


def _centre() -> str:
    return f"centre-{uuid.uuid4().hex[:12]}"


async def _open(api: httpx.AsyncClient, headers: dict[str, str]) -> str:
    body = {
        "claimant": {"name": "Matrix Case", "category": "veteran", "phone": "13900000000"},
        "needs": ["legal_aid"],
    }
    response = await api.post("/cases", json=body, params={"confirm_new": "true"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
async def world(stack: Stack) -> AsyncIterator[World]:
    centre, other = _centre(), _centre()
    headers = {role: stack.headers(role, centre) for role in ROLES}
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as api:
        cases = {}
        for situation, at in (
            ("own_unassigned", centre),
            ("own_assigned", centre),
            ("other_assigned", other),
            ("other_unassigned", other),
        ):
            case_id = await _open(api, stack.headers("staff", at))
            if situation.endswith("_assigned"):
                # Each centre's case gets a lawyer of that centre.
                assigned = await api.post(
                    f"/cases/{case_id}/lawyer",
                    json={"lawyer": stack.lawyer(f"lawyer@{at}", at)},
                    headers=stack.headers("supervisor", at),
                )
                assert assigned.status_code == 200, assigned.text
            cases[situation] = case_id
        console = {role: await console_session(stack, role, centre) for role in ROLES}
        yield World(centre, other, cases, headers, console | {"": await console_session(stack)})


async def console_session(stack: Stack, role: str = "", centre: str = "") -> dict[str, str]:
    """A console sign-in of ``role`` at ``centre`` (none without a role): its cookie and
    its forms' CSRF token, as headers."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as browser:
        page = await browser.get("/console/sign-in")
        if role:
            username = stack.add_user(user_name(role, centre), role, centre)
            form = {"username": username, "password": PASSWORD, "csrf_token": _csrf(page)}
            signed_in = await browser.post("/console/sign-in", data=form)
            assert signed_in.status_code == 303, signed_in.text
            page = await browser.get("/console/")
        cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        return {"Cookie": cookies, "X-CSRF-Token": _csrf(page)}


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def _allowed_by_table(route: tuple[str, str], role: str | None, situation: str | None) -> bool:
    who = EXPECTED[route]
    if who == EVERYONE:
        return True
    if role is None or role not in who.split():
        return False
    return situation is None or situation in SEES[role]


def _url(path: str, case_id: str | None) -> str:
    for name, value in OTHER_PARAMS.items():
        path = path.replace(name, value)
    return path.replace("{case_id}", case_id) if case_id else path


def _denied(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    if response.status_code == 303:  # a console page sends the signed-out to sign in first
        return response.headers["location"].startswith("/console/sign-in?next=")
    if response.status_code != 404:
        return False
    if response.headers["content-type"].startswith("text/html"):
        return 'data-problem-code="case_not_found"' in response.text
    return response.json().get("code") == "case_not_found"


def test_every_route_has_an_expectation_in_the_matrix() -> None:
    routes = api_routes()

    assert routes - set(EXPECTED) == set(), "routes without a row in EXPECTED"
    assert set(EXPECTED) - routes == set(), "rows in EXPECTED for routes that do not exist"


async def test_every_route_role_and_case_is_allowed_or_denied_as_the_table_says(
    stack: Stack, world: World
) -> None:
    calls: list[tuple[tuple[str, str], str | None, str | None]] = []
    for route in sorted(EXPECTED):
        situations: tuple[str | None, ...] = SITUATIONS if "{case_id}" in route[1] else (None,)
        for role in (*ROLES, None):
            calls += [(route, role, situation) for situation in situations]
    unexpected_allows: list[str] = []
    unexpected_denials: list[str] = []
    server_errors: list[str] = []
    limit = asyncio.Semaphore(8)

    async def probe(
        api: httpx.AsyncClient, route: tuple[str, str], role: str | None, situation: str | None
    ) -> None:
        method, path = route
        url = _url(path, world.cases[situation] if situation else None)
        console = path.startswith("/console")
        async with limit:
            if not console:
                headers = world.headers[role] if role else {}
                response = await api.request(
                    method,
                    url,
                    headers=headers,
                    params=QUERIES.get(path),
                    json=INERT_BODY if method == "POST" and path != "/auth/token" else None,
                )
            else:
                headers = world.console[role or ""]
                if role and path == "/console/sign-out":  # a session of its own to end
                    headers = await console_session(stack, role, world.centre)
                response = await api.request(
                    method, url, headers=headers, data=INERT_FORM if method == "POST" else None
                )
        label = (
            f"{role or 'anonymous'} {method} {path} [{situation or '-'}] → {response.status_code}"
        )
        if response.status_code >= 500:
            server_errors.append(f"{label}: {response.text[:200]}")
        expected = _allowed_by_table(route, role, situation)
        if expected and _denied(response):
            unexpected_denials.append(label)
        elif not expected and not _denied(response):
            unexpected_allows.append(label)

    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as api:
        await asyncio.gather(*(probe(api, *call) for call in calls))

    assert len(calls) > 800
    assert server_errors == []
    assert unexpected_allows == []
    assert unexpected_denials == []


async def test_a_case_out_of_reach_answers_exactly_like_a_case_that_does_not_exist(
    stack: Stack, world: World
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as api:
        hidden = world.cases["other_assigned"]
        missing = str(uuid.uuid4())
        answers = [
            await api.get(f"/cases/{case_id}", headers=world.headers["lawyer"])
            for case_id in (hidden, missing)
        ]

    bodies: list[dict[str, Any]] = [
        {**r.json(), "detail": r.json()["detail"].replace(case_id, "ID")}
        for r, case_id in zip(answers, (hidden, missing), strict=True)
    ]
    assert [r.status_code for r in answers] == [404, 404]
    assert bodies[0] == bodies[1]


async def _list_ids(api: httpx.AsyncClient, path: str, headers: dict[str, str]) -> set[str]:
    response = await api.get(path, headers=headers, params={"limit": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item.get("case_id") or item["id"] for item in items}


async def test_lists_show_only_the_cases_the_caller_may_see(stack: Stack, world: World) -> None:
    every = set(world.cases.values())
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as api:
        seen = {
            role: await _list_ids(api, "/cases", world.headers[role]) & every
            for role in ("staff", "lawyer", "supervisor")
        }
        tasks = {
            role: await _list_ids(api, "/tasks", world.headers[role]) & every
            for role in ("staff", "lawyer", "supervisor")
        }
        asked_for_other = await api.get(
            "/cases", params={"centre": world.other}, headers=world.headers["supervisor"]
        )

    cases = world.cases
    own = {cases["own_unassigned"], cases["own_assigned"]}
    assert seen == {"staff": own, "lawyer": {cases["own_assigned"]}, "supervisor": own}
    # Legal-aid cases wait on someone at once (a lawyer to assign, a decision to take).
    assert tasks["staff"] == own
    assert tasks["supervisor"] == own
    assert tasks["lawyer"] <= {cases["own_assigned"]}
    assert asked_for_other.json()["items"] == []


async def test_the_actor_of_a_step_is_the_signed_in_user(stack: Stack, world: World) -> None:
    case_id = world.cases["own_assigned"]
    lawyer = world.headers["lawyer"]
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as api:
        forged = await api.post(
            f"/cases/{case_id}/legal-matters",
            json={
                "infringement": "dismissed",
                "infringer": "Mill",
                "actor": {"id": "someone-else", "role": "supervisor"},
            },
            headers=lawyer,
        )
        recorded = await api.post(
            f"/cases/{case_id}/legal-matters",
            json={"infringement": "dismissed for reserve duty", "infringer": "Mill"},
            headers=lawyer,
        )
        history = await api.get(f"/cases/{case_id}/history", headers=lawyer)

    assert forged.status_code == 422, forged.text
    assert recorded.status_code == 201, recorded.text
    last = history.json()["items"][-1]
    assert (last["step"]["kind"], last["actor"]) == (
        "infringement_recorded",
        {"id": world.lawyer(), "role": "lawyer"},
    )


async def test_reads_of_personal_data_are_in_the_access_log_for_the_centres_supervisors(
    stack: Stack, world: World
) -> None:
    case_id = world.cases["own_unassigned"]
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as api:
        read = await api.get(f"/cases/{case_id}", headers=world.headers["staff"])
        await api.get(f"/cases/{case_id}/timeline", headers=world.headers["staff"])
        log = await api.get(f"/cases/{case_id}/access-log", headers=world.headers["supervisor"])
        centre_log = await api.get("/access-log", headers=world.headers["supervisor"])
        elsewhere = await api.get(
            f"/cases/{case_id}/access-log", headers=stack.headers("supervisor", world.other)
        )

    assert read.status_code == 200
    entries = [(e["username"], e["role"], e["action"]) for e in log.json()]
    staff = f"staff@{world.centre}"
    assert entries[:2] == [(staff, "staff", "timeline"), (staff, "staff", "case")]
    assert log.json()[0]["fields"] == ["claimant.name", "claimant.phone"]
    # The centre's log: its own reads (other tests on this stack add theirs), never
    # another centre's cases.
    logged = {e["case_id"] for e in centre_log.json()}
    assert case_id in logged
    assert not logged & {world.cases[s] for s in SITUATIONS if s.startswith("other")}
    assert elsewhere.status_code == 404


async def test_staff_open_cases_of_their_own_centre_only(stack: Stack, world: World) -> None:
    body = {"claimant": {"name": "Elsewhere", "category": "veteran"}, "needs": ["training"]}
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as api:
        elsewhere = await api.post(
            "/cases", json={**body, "centre": world.other}, headers=world.headers["staff"]
        )
        defaulted = await api.post("/cases", json=body, headers=world.headers["staff"])

    assert elsewhere.status_code == 403, elsewhere.text
    assert defaulted.status_code == 201, defaulted.text
    assert defaulted.json()["centre"] == world.centre


async def test_a_supervisor_assigns_only_an_active_lawyer_of_the_centre(
    stack: Stack, world: World
) -> None:
    case_id = world.cases["own_unassigned"]
    supervisor = stack.headers("supervisor", world.centre)
    disabled = stack.lawyer(f"gone@{world.centre}", world.centre)
    answers = []
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as api:
        disable = await api.post(
            f"/users/{disabled}/disable", headers=stack.headers("admin", world.centre)
        )
        assert disable.status_code == 200, disable.text
        for name in (
            stack.lawyer(f"lawyer@{world.other}", world.other),
            f"staff@{world.centre}",
            disabled,
            f"nobody-{uuid.uuid4().hex}",
        ):
            refused = await api.post(
                f"/cases/{case_id}/lawyer", json={"lawyer": name}, headers=supervisor
            )
            assert refused.status_code == 422, (name, refused.text)
            assert refused.json()["errors"][0]["field"] == "lawyer"
            answers.append(refused.text.replace(name, "NAME"))
        case = await api.get(f"/cases/{case_id}", headers=supervisor)
    assert case.json()["lawyer"] is None
    # Another centre's lawyer reads exactly as a name that does not exist.
    assert len(set(answers)) == 1, answers


async def test_a_lawyer_reads_only_what_a_lawyer_needs(stack: Stack, world: World) -> None:
    staff = world.headers["staff"]
    body = {
        "claimant": {
            "name": "Matrix Full",
            "category": "veteran",
            "national_id": "11010519491231002X",
            "phone": "13900000009",
            "address": "1 Mill Road",
            "situation": "Recovering from surgery",
            "household": [{"name": "Spouse Name", "relation": "spouse"}],
        },
        "needs": ["legal_aid", "hardship_aid"],
        "summary": "Unpaid wages and medical bills",
    }
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as api:
        opened = await api.post("/cases", json=body, params={"confirm_new": "true"}, headers=staff)
        case_id = opened.json()["id"]
        assigned = await api.post(
            f"/cases/{case_id}/lawyer",
            json={"lawyer": stack.lawyer(world.lawyer(), world.centre)},
            headers=world.headers["supervisor"],
        )
        assert assigned.status_code == 200, assigned.text
        as_lawyer = await api.get(f"/cases/{case_id}", headers=world.headers["lawyer"])
        as_staff = await api.get(f"/cases/{case_id}", headers=staff)
        history = await api.get(f"/cases/{case_id}/history", headers=world.headers["lawyer"])
        timeline = await api.get(f"/cases/{case_id}/timeline", headers=world.headers["lawyer"])

    claimant = as_lawyer.json()["claimant"]
    assert {k: v for k, v in claimant.items() if v not in (None, [])} == {
        "name": "Matrix Full",
        "category": "veteran",
        "phone": "13900000009",
        "address": "1 Mill Road",
    }
    assert as_lawyer.json()["summary"] is None
    assert as_staff.json()["claimant"]["national_id"] == "11010519491231002X"
    for answer in (history, timeline):
        assert answer.status_code == 200, answer.text
        for secret in ("11010519491231002X", "Recovering", "Spouse Name", "medical bills"):
            assert secret not in answer.text
