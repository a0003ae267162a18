"""Reading the read model end to end: list filters and sorting, cursors, task lists, the
timeline with its hash chain, and a case as it stood at a past moment.

Every test works on cases of its own centre (or its own lawyer), so the cases other tests
open on the shared stack never enter its results.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.e2e.stack import CENTRE, Stack, user_name

pytestmark = pytest.mark.e2e
GENESIS = "0" * 64


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _open(api: httpx.AsyncClient, centre: str, **fields: Any) -> dict[str, Any]:
    claimant = {"name": f"Case {uuid.uuid4().hex[:8]}", "category": "veteran"}
    body = {"needs": ["job_referral"], **fields, "centre": centre}
    body["claimant"] = {**claimant, **fields.get("claimant", {})}
    return _ok(await api.post("/cases", params={"confirm_new": "true"}, json=body))


async def _listed(api: httpx.AsyncClient, **params: Any) -> list[str]:
    """Ids of every case matching ``params``, following ``next_cursor`` page by page."""
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = _ok(await api.get("/cases", params=query))
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError(f"more than 100 cases match {params}")


@dataclass
class Centre:
    """Cases opened at one centre of their own, in this order:

    ``legal`` (张伟…, veteran, legal aid, lawyer assigned, intake), ``active`` (military
    family, job referral + training, accepted), ``closed`` (martyr family, fee relief, closed),
    ``assessing`` (veteran, training, in assessment), ``withdrawn`` (veteran, job referral,
    withdrawn after ``closed`` closed)."""

    name: str
    reference: str  # digits only: no pinyin key, so a text search for it is exact
    lawyer: str
    cases: dict[str, dict[str, Any]]

    def ids(self, *names: str) -> set[str]:
        return {self.cases[name]["id"] for name in names}


@pytest.fixture(scope="module")
async def centre(stack: Stack) -> AsyncIterator[Centre]:
    marker = uuid.uuid4().hex
    reference = str(uuid.uuid4().int)
    name = f"centre-{marker[:12]}"
    lawyer = stack.lawyer(f"lawyer-{marker[:12]}", name)
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=60, headers=stack.headers("staff", name)
    ) as api:
        cases: dict[str, dict[str, Any]] = {}
        legal = await _open(
            api,
            name,
            claimant={"name": f"张伟{marker[:6]}", "category": "veteran"},
            needs=["legal_aid"],
            summary=f"wages withheld by a subcontractor, ref {reference}",
        )
        cases["legal"] = _ok(
            await api.post(
                f"/cases/{legal['id']}/lawyer",
                json={"lawyer": lawyer},
                headers=stack.headers("supervisor", name),
            )
        )
        active = await _open(
            api,
            name,
            claimant={"name": "Chen Jing", "category": "military_family"},
            needs=["job_referral", "training"],
        )
        cases["active"] = _ok(
            await api.post(f"/cases/{active['id']}/assessment", json={"accepted": True})
        )
        closed = await _open(
            api,
            name,
            claimant={"name": "Zhou Min", "category": "martyr_family"},
            needs=["fee_relief"],
        )
        cases["closed"] = _ok(
            await api.post(f"/cases/{closed['id']}/close", json={"reason": "resolved by phone"})
        )
        assessing = await _open(api, name, needs=["training"])
        cases["assessing"] = _ok(
            await api.post(f"/cases/{assessing['id']}/assessment/start", json={})
        )
        withdrawn = await _open(api, name)
        cases["withdrawn"] = _ok(
            await api.post(f"/cases/{withdrawn['id']}/withdraw", json={"reason": "moved away"})
        )
        yield Centre(name=name, reference=reference, lawyer=lawyer, cases=cases)


@pytest.fixture
async def api(stack: Stack, request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """Signed in as staff of the test's own centre if it has one (``centre``), else of the
    stack's: staff see the cases of their centre only."""
    name = request.getfixturevalue("centre").name if "centre" in request.fixturenames else CENTRE
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=30, headers=stack.headers("staff", name)
    ) as client:
        yield client


# ---------------------------------------------------------------- filters


FILTERS = [
    ({}, {"legal", "active", "closed", "assessing", "withdrawn"}),
    ({"stage": "intake"}, {"legal"}),
    ({"stage": "assessment"}, {"assessing"}),
    ({"stage": "active"}, {"active"}),
    ({"stage": "closed"}, {"closed", "withdrawn"}),
    ({"category": "veteran"}, {"legal", "assessing", "withdrawn"}),
    ({"category": "military_family"}, {"active"}),
    ({"category": "martyr_family"}, {"closed"}),
    ({"need": "training"}, {"active", "assessing"}),
    ({"need": "job_referral"}, {"active", "withdrawn"}),
    ({"need": "legal_aid"}, {"legal"}),
    ({"intake_by": "staff"}, {"legal", "active", "closed", "assessing", "withdrawn"}),
    ({"stage": "active", "need": "training", "category": "military_family"}, {"active"}),
    ({"stage": "closed", "need": "fee_relief"}, {"closed"}),
]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    FILTERS,
    ids=[",".join(f"{k}={v}" for k, v in criteria.items()) or "centre" for criteria, _ in FILTERS],
)
async def test_list_filters_by_stage_category_need_and_intake_staff_within_a_centre(
    api: httpx.AsyncClient, centre: Centre, criteria: dict[str, str], expected: set[str]
) -> None:
    if criteria.get("intake_by") == "staff":  # the staff user who opened them
        criteria = {**criteria, "intake_by": user_name("staff", centre.name)}
    listed = await _listed(api, centre=centre.name, **criteria)

    assert len(listed) == len(set(listed)), "a case was listed twice"
    assert set(listed) == centre.ids(*expected)


async def test_list_filters_by_assigned_lawyer(api: httpx.AsyncClient, centre: Centre) -> None:
    listed = await _listed(api, lawyer=centre.lawyer)

    assert listed == [centre.cases["legal"]["id"]]
    page = _ok(await api.get("/cases", params={"lawyer": centre.lawyer, "limit": 1}))
    assert page["items"][0]["lawyer"] == centre.lawyer
    assert page["items"][0]["intake_by"] == user_name("staff", centre.name)
    assert page["items"][0]["centre"] == centre.name


async def test_list_filters_by_opening_time_from_inclusive_to_exclusive(
    api: httpx.AsyncClient, centre: Centre
) -> None:
    opened = {name: case["opened_at"] for name, case in centre.cases.items()}

    between = await _listed(
        api, centre=centre.name, opened_from=opened["active"], opened_to=opened["assessing"]
    )
    since = await _listed(api, centre=centre.name, opened_from=opened["assessing"])
    before = await _listed(api, centre=centre.name, opened_to=opened["active"])

    assert set(between) == centre.ids("active", "closed")
    assert set(since) == centre.ids("assessing", "withdrawn")
    assert set(before) == centre.ids("legal")


async def test_list_filters_by_closing_time(api: httpx.AsyncClient, centre: Centre) -> None:
    first = _at(centre.cases["closed"]["closed_at"])
    second = _at(centre.cases["withdrawn"]["closed_at"])
    assert first < second

    from_second = await _listed(api, centre=centre.name, closed_from=_iso(second))
    to_second = await _listed(api, centre=centre.name, closed_to=_iso(second))
    around_first = await _listed(
        api,
        centre=centre.name,
        closed_from=_iso(first),
        closed_to=_iso(first + timedelta(microseconds=1)),
    )

    assert set(from_second) == centre.ids("withdrawn")
    assert set(to_second) == centre.ids("closed")
    assert set(around_first) == centre.ids("closed")


@pytest.mark.parametrize(
    "text",
    ["张伟", "zhang", "ZHANG WEI", "Zhangwei", "zw", "ZW", "wages withheld", "SUBCONTRACTOR"],
)
async def test_text_search_finds_a_chinese_name_by_characters_pinyin_or_initials_and_the_summary(
    api: httpx.AsyncClient, centre: Centre, text: str
) -> None:
    listed = await _listed(api, centre=centre.name, text=text)

    assert listed == [centre.cases["legal"]["id"]]


async def test_text_search_alone_finds_a_case_by_a_unique_summary_reference(
    api: httpx.AsyncClient, centre: Centre
) -> None:
    assert await _listed(api, text=centre.reference) == [centre.cases["legal"]["id"]]


async def test_list_sorts_by_last_change_ascending_when_asked(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    name = f"centre-{uuid.uuid4().hex[:12]}"
    api.headers.update(stack.headers("staff", name))
    first, second, third = [(await _open(api, name))["id"] for _ in range(3)]
    _ok(await api.post(f"/cases/{first}/needs", json={"need": "training"}))

    by_update = await _listed(api, centre=name, sort="updated_at", order="asc")
    by_update_desc = await _listed(api, centre=name, sort="updated_at")
    by_opening = await _listed(api, centre=name, order="asc")
    default = await _listed(api, centre=name)

    assert by_update == [second, third, first]
    assert by_update_desc == [first, third, second]
    assert by_opening == [first, second, third]
    assert default == [third, second, first]


async def test_cursor_pages_of_a_filtered_list_have_no_gaps_or_repeats_while_cases_open(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    name = f"centre-{uuid.uuid4().hex[:12]}"
    api.headers.update(stack.headers("staff", name))
    opened = [(await _open(api, name, needs=["training"]))["id"] for _ in range(6)]
    await _open(api, name, needs=["fee_relief"])  # same centre, filtered out by need

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"centre": name, "need": "training", "limit": 2}
        page = _ok(
            await api.get("/cases", params={**params, **({"cursor": cursor} if cursor else {})})
        )
        seen += [item["id"] for item in page["items"]]
        pages += 1
        if pages == 1:  # a newer case must not shift the pages still to come
            await _open(api, name, needs=["training"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10

    assert seen == list(reversed(opened))
    assert pages == 3


async def test_a_last_page_shorter_than_the_limit_ends_the_listing(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    name = f"centre-{uuid.uuid4().hex[:12]}"
    api.headers.update(stack.headers("staff", name))
    opened = [(await _open(api, name))["id"] for _ in range(3)]

    first = await api.get("/cases", params={"centre": name, "limit": 2})
    assert first.status_code == 200, first.text
    last = await api.get(
        "/cases", params={"centre": name, "limit": 2, "cursor": first.json()["next_cursor"]}
    )
    assert last.status_code == 200, last.text
    assert [item["id"] for item in first.json()["items"] + last.json()["items"]] == list(
        reversed(opened)
    )
    assert last.json()["next_cursor"] is None


async def test_filters_matching_nothing_answer_an_empty_page(
    api: httpx.AsyncClient, centre: Centre
) -> None:
    response = await api.get("/cases", params={"centre": centre.name, "intake_by": "nobody"})

    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("stage", "archived"),
        ("category", "pirate"),
        ("need", "lottery"),
        ("opened_from", "last tuesday"),
        ("opened_to", "2026-13-45T00:00:00Z"),
        ("closed_from", "soon"),
        ("closed_to", "x"),
        ("sort", "claimant_name"),
        ("order", "sideways"),
        ("limit", "0"),
        ("limit", "101"),
        ("text", ""),
        ("lawyer", "x" * 101),
        ("centre", "c" * 101),
        ("intake_by", "s" * 101),
        ("cursor", "not-a-cursor"),
    ],
)
async def test_an_invalid_filter_value_is_a_422_naming_the_parameter(
    api: httpx.AsyncClient, parameter: str, value: str
) -> None:
    response = await api.get("/cases", params={parameter: value})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [parameter]


async def test_a_time_filter_without_offset_is_read_as_utc(
    api: httpx.AsyncClient, centre: Centre
) -> None:
    opened_active = centre.cases["active"]["opened_at"]
    assert opened_active.endswith("Z")

    naive = await _listed(api, centre=centre.name, opened_from=opened_active.removesuffix("Z"))
    shanghai = _at(opened_active).astimezone(timezone(timedelta(hours=8))).isoformat()
    offset = await _listed(api, centre=centre.name, opened_from=shanghai)
    bare_date = await _listed(api, centre=centre.name, opened_from="2020-01-01")

    assert set(naive) == centre.ids("active", "closed", "assessing", "withdrawn")
    assert set(offset) == set(naive)
    assert set(bare_date) == centre.ids("legal", "active", "closed", "assessing", "withdrawn")


# ---------------------------------------------------------------- tasks


async def _tasks(api: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    """Open tasks, oldest first; the most the API gives, as the intake staff's list is shared
    by every case the session opens."""
    response = await api.get("/tasks", params={**params, "limit": 500})
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


async def test_tasks_of_intake_staff_list_eligibility_decisions_until_decided(
    api: httpx.AsyncClient,
) -> None:
    case = await _open(api, CENTRE)

    waiting = [t for t in await _tasks(api, assignee="staff") if t["case_id"] == case["id"]]
    # Due when the eligibility clock is, given in UTC and in the centre's time (UTC+8).
    due = [(t.pop("due_at"), t.pop("due_local")) for t in waiting]
    assert all(at is not None and local.endswith("+08:00") for at, local in due), due
    assert waiting == [
        {
            "case_id": case["id"],
            "kind": "decide_eligibility",
            "target": None,
            "assignee": "staff",
            "role": "staff",
            "since": case["opened_at"],
        }
    ]
    _ok(await api.post(f"/cases/{case['id']}/assessment", json={"accepted": True}))

    after = await _tasks(api, assignee="staff", kind="decide_eligibility")
    assert case["id"] not in {t["case_id"] for t in after}


async def test_tasks_of_the_assigned_lawyer_follow_a_legal_matter_until_it_is_done(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    lawyer = stack.lawyer(f"lawyer-{uuid.uuid4().hex[:12]}")
    case = await _open(api, CENTRE, needs=["legal_aid"])
    case_id = case["id"]
    supervisors = await _tasks(api, role="supervisor", kind="assign_lawyer")
    assert case_id in {t["case_id"] for t in supervisors}

    _ok(
        await api.post(
            f"/cases/{case_id}/lawyer", json={"lawyer": lawyer}, headers=stack.headers("supervisor")
        )
    )
    assert case_id not in {
        t["case_id"] for t in await _tasks(api, role="supervisor", kind="assign_lawyer")
    }
    assert await _tasks(api, assignee=lawyer) == []

    recorded = await api.post(
        f"/cases/{case_id}/legal-matters",
        json={"infringement": "dismissed for reserve duty", "infringer": "County Logistics"},
    )
    _ok(recorded)
    matter = recorded.headers["location"].rsplit("/", 1)[1]
    to_refer = await _tasks(api, assignee=lawyer)
    assert [(t["case_id"], t["kind"], t["target"], t["role"]) for t in to_refer] == [
        (case_id, "refer_matter", matter, "lawyer")
    ]

    for department in ("labour", "justice"):
        _ok(
            await api.post(
                f"/cases/{case_id}/legal-matters/{matter}/referrals",
                json={"department": department, "channel": "letter"},
            )
        )
    to_chase = await _tasks(api, assignee=lawyer)
    assert sorted((t["kind"], t["target"]) for t in to_chase) == [
        ("chase_acknowledgement", f"{matter}/justice"),
        ("chase_acknowledgement", f"{matter}/labour"),
    ]
    assert await _tasks(api, assignee=lawyer, kind="refer_matter") == []

    _ok(
        await api.post(
            f"/cases/{case_id}/legal-matters/{matter}/acknowledgements",
            json={"department": "labour"},
        )
    )
    assert [t["target"] for t in await _tasks(api, assignee=lawyer)] == [f"{matter}/justice"]
    _ok(
        await api.post(
            f"/cases/{case_id}/legal-matters/{matter}/resolution",
            json={"outcome": "reinstated with back pay"},
        )
    )
    assert await _tasks(api, assignee=lawyer) == []


# ---------------------------------------------------------------- timeline and as-of


async def _case_with_steps(api: httpx.AsyncClient) -> tuple[str, list[dict[str, Any]]]:
    """A case taken through five steps a moment apart; its id and its history."""
    case_id = (await _open(api, CENTRE, summary="timeline"))["id"]
    steps = [
        ("assessment/start", {}),
        ("assessment", {"accepted": True}),
        ("needs", {"need": "training"}),
        (
            "referrals",
            {"employer": "Harbour Bureau", "position": "Clerk", "referred_on": "2026-04-01"},
        ),
    ]
    for path, body in steps:
        await asyncio.sleep(0.05)
        _ok(await api.post(f"/cases/{case_id}/{path}", json=body))
    history = (await api.get(f"/cases/{case_id}/history")).json()["items"]
    return case_id, history


async def test_timeline_pages_in_order_with_a_linked_hash_chain_that_verifies(
    api: httpx.AsyncClient,
) -> None:
    case_id, history = await _case_with_steps(api)

    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        page = _ok(
            await api.get(f"/cases/{case_id}/timeline", params={"after_seq": after, "limit": 2})
        )
        assert len(page["items"]) <= 2
        entries += page["items"]
        if page["next_after_seq"] is None:
            break
        after = page["next_after_seq"]
        assert after == entries[-1]["seq"]

    assert len(history) == 5
    assert [e["seq"] for e in entries] == list(range(1, len(history) + 1))
    assert [e["type"] for e in entries] == [event["step"]["kind"] for event in history]
    assert [e["at"] for e in entries] == [event["at"] for event in history]
    assert entries[0]["prev_hash"] == GENESIS
    for before, entry in itertools.pairwise(entries):
        assert entry["prev_hash"] == before["hash"]
    assert all(len(e["hash"]) == 64 and int(e["hash"], 16) >= 0 for e in entries)
    assert len({e["hash"] for e in entries}) == len(entries)
    rest = _ok(await api.get(f"/cases/{case_id}/timeline", params={"after_seq": len(history)}))
    assert rest == {"items": [], "next_after_seq": None}

    verification = _ok(await api.get(f"/cases/{case_id}/timeline/verify"))
    assert verification["ok"] is True
    assert verification["events_checked"] == len(history)
    assert verification["first_broken_seq"] is None


async def test_case_as_of_a_past_moment_is_the_case_as_it_stood_then(
    api: httpx.AsyncClient,
) -> None:
    case_id, history = await _case_with_steps(api)
    at = [_at(event["at"]) for event in history]
    assert at == sorted(at) and len(set(at)) == len(at)

    def midway(i: int) -> str:
        return _iso(at[i] + (at[i + 1] - at[i]) / 2)

    async def as_of(moment: str) -> httpx.Response:
        return await api.get(f"/cases/{case_id}", params={"as_of": moment})

    opened = _ok(await as_of(midway(0)))
    assessing = _ok(await as_of(midway(1)))
    accepted = _ok(await as_of(midway(2)))
    now = _ok(await as_of(_iso(at[-1])))
    naive = _ok(await as_of(midway(0).removesuffix("Z")))
    shanghai = _ok(await as_of(_at(midway(0)).astimezone(timezone(timedelta(hours=8))).isoformat()))

    assert (opened["stage"], opened["version"], opened["eligibility"]) == ("intake", 1, None)
    assert (assessing["stage"], assessing["version"], assessing["assessor"]) == (
        "assessment",
        2,
        "staff",
    )
    assert (accepted["stage"], accepted["version"], accepted["needs"]) == (
        "active",
        3,
        ["job_referral"],
    )
    assert accepted["eligibility"]["accepted"] is True
    assert now == _ok(await api.get(f"/cases/{case_id}"))
    assert naive == opened
    assert shanghai == opened
    before_opening = await as_of(_iso(at[0] - timedelta(seconds=1)))
    assert before_opening.status_code == 404
    assert before_opening.json()["code"] == "case_not_found"
