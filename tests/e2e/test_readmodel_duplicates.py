"""The duplicate check at intake, end to end: a person who already has an open case is
not given a second one by accident.

Every test uses its own centre and fresh identifiers (ID number, phone, birth date), so
only the cases it opened can match.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from services.cases.identity import birth_date_of, normalize_national_id
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def national_id(born: date | None = None) -> str:
    """A valid 18-character resident ID number nobody else in the session uses."""
    born = born or birth_date()
    body = f"{random.choice(['110105', '310104', '440305', '510107'])}{born:%Y%m%d}"
    body += f"{random.randrange(1000):03d}"
    check = ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return normalize_national_id(body + check)


def birth_date() -> date:
    return date(1955, 1, 1) + timedelta(days=random.randrange(45 * 365))


def phone() -> str:
    return f"139{random.randrange(10**8):08d}"


@pytest.fixture
def centre() -> str:
    """A centre of the test's own, so that the cases of other tests stay out of its lists."""
    return f"centre-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def api(stack: Stack, centre: str) -> AsyncIterator[httpx.AsyncClient]:
    """Signed in as staff of the test's centre: staff see their centre's cases only."""
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=30, headers=stack.headers("staff", centre)
    ) as client:
        yield client


def _intake(centre: str, **claimant: Any) -> dict[str, Any]:
    return {
        "claimant": {"category": "veteran", **claimant},
        "needs": ["job_referral"],
        "centre": centre,
    }


async def _open(api: httpx.AsyncClient, centre: str, **claimant: Any) -> str:
    response = await api.post("/cases", json=_intake(centre, **claimant))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    problem: dict[str, Any] = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "possible_duplicate"
    return problem


async def _case_ids_at(api: httpx.AsyncClient, centre: str) -> list[str]:
    page = (await api.get("/cases", params={"centre": centre, "limit": 100})).json()
    return [item["id"] for item in page["items"]]


async def _workflows_at(temporal: Client, centre: str, expected: int) -> int:
    """Case workflows of ``centre`` once visibility caught up with ``expected`` (or gave up)."""
    count = -1
    for _ in range(30):
        count = (await temporal.count_workflows(f'CaseCentre="{centre}"')).count
        if count >= expected:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)  # room for a workflow that should not exist to show up
    return (await temporal.count_workflows(f'CaseCentre="{centre}"')).count


async def test_a_second_intake_with_the_same_national_id_is_refused_and_starts_nothing(
    api: httpx.AsyncClient, temporal: Client, centre: str
) -> None:
    number = national_id()
    first = await _open(api, centre, name="李伟", national_id=number)

    response = await api.post(
        "/cases", json=_intake(centre, name="Someone Else", national_id=number)
    )

    problem = _refused(response)
    assert problem["existing_case_ids"] == [first]
    assert problem["matches"] == [{"case_id": first, "reasons": ["national_id"]}]
    assert [error["field"] for error in problem["errors"]] == ["claimant"]
    assert await _case_ids_at(api, centre) == [first]
    assert await _workflows_at(temporal, centre, expected=1) == 1


async def test_confirm_new_opens_another_case_for_the_same_national_id(
    api: httpx.AsyncClient, temporal: Client, centre: str
) -> None:
    number = national_id()
    first = await _open(api, centre, name="李伟", national_id=number)

    confirmed = await api.post(
        "/cases",
        params={"confirm_new": "true"},
        json=_intake(centre, name="李伟", national_id=number),
    )

    assert confirmed.status_code == 201, confirmed.text
    second = confirmed.json()["id"]
    assert second != first
    assert confirmed.headers["location"] == f"/cases/{second}"
    assert set(await _case_ids_at(api, centre)) == {first, second}
    assert await _workflows_at(temporal, centre, expected=2) == 2
    third = await api.post("/cases", json=_intake(centre, name="李伟", national_id=number))
    assert _refused(third)["existing_case_ids"] == [first, second]


@pytest.mark.parametrize("spelling", ["Li Wei", "LI  wei", "Li Wie", "李伟"])
async def test_a_near_identical_name_in_pinyin_with_the_same_phone_is_flagged(
    api: httpx.AsyncClient, spelling: str, centre: str
) -> None:
    number = phone()
    first = await _open(api, centre, name="李伟", phone=number)

    response = await api.post("/cases", json=_intake(centre, name=spelling, phone=number))

    problem = _refused(response)
    assert problem["existing_case_ids"] == [first]
    assert problem["matches"] == [{"case_id": first, "reasons": ["name_and_phone"]}]
    assert await _case_ids_at(api, centre) == [first]


@pytest.mark.parametrize("spelling", ["Li Wei", "Li Wie"])
async def test_a_near_identical_name_in_pinyin_with_the_same_birth_date_is_flagged(
    api: httpx.AsyncClient, spelling: str, centre: str
) -> None:
    born = birth_date()
    first = await _open(api, centre, name="李伟", birth_date=born.isoformat())

    response = await api.post(
        "/cases", json=_intake(centre, name=spelling, birth_date=born.isoformat())
    )

    problem = _refused(response)
    assert problem["existing_case_ids"] == [first]
    assert problem["matches"] == [{"case_id": first, "reasons": ["name_and_birth_date"]}]


async def test_the_birth_date_inside_an_id_number_counts_as_the_birth_date(
    api: httpx.AsyncClient, centre: str
) -> None:
    number = national_id()
    first = await _open(api, centre, name="李伟", national_id=number)

    response = await api.post(
        "/cases",
        json=_intake(centre, name="Li Wei", birth_date=birth_date_of(number).isoformat()),
    )

    problem = _refused(response)
    assert problem["existing_case_ids"] == [first]
    assert problem["matches"][0]["reasons"] == ["name_and_birth_date"]


async def test_a_different_person_with_the_same_phone_is_not_flagged(
    api: httpx.AsyncClient, centre: str
) -> None:
    number = phone()
    first = await _open(api, centre, name="李伟", phone=number)

    second = await api.post("/cases", json=_intake(centre, name="王芳", phone=number))

    assert second.status_code == 201, second.text
    assert set(await _case_ids_at(api, centre)) == {first, second.json()["id"]}


async def test_the_same_name_with_other_birth_date_and_phone_is_not_flagged(
    api: httpx.AsyncClient, centre: str
) -> None:
    born = birth_date()
    await _open(api, centre, name="李伟", birth_date=born.isoformat(), phone=phone())

    other = born + timedelta(days=1)
    second = await api.post(
        "/cases", json=_intake(centre, name="Li Wei", birth_date=other.isoformat(), phone=phone())
    )

    assert second.status_code == 201, second.text


async def test_closed_cases_are_not_reported_as_duplicates(
    api: httpx.AsyncClient, centre: str
) -> None:
    number = national_id()
    first = await _open(api, centre, name="李伟", national_id=number)
    closed = await api.post(f"/cases/{first}/close", json={"reason": "moved to another county"})
    assert closed.status_code == 200, closed.text

    again = await api.post("/cases", json=_intake(centre, name="李伟", national_id=number))

    assert again.status_code == 201, again.text
    second = again.json()["id"]
    withdrawn = await api.post(f"/cases/{second}/withdraw", json={"reason": "entered in error"})
    assert withdrawn.status_code == 200, withdrawn.text
    third = await api.post("/cases", json=_intake(centre, name="李伟", national_id=number))
    assert third.status_code == 201, third.text


async def test_only_the_open_cases_of_the_person_are_reported(
    api: httpx.AsyncClient, centre: str
) -> None:
    number = national_id()
    first = await _open(api, centre, name="李伟", national_id=number)
    confirmed = await api.post(
        "/cases",
        params={"confirm_new": "true"},
        json=_intake(centre, name="李伟", national_id=number),
    )
    second = confirmed.json()["id"]
    closed = await api.post(f"/cases/{first}/close", json={"reason": "served"})
    assert closed.status_code == 200, closed.text

    response = await api.post("/cases", json=_intake(centre, name="李伟", national_id=number))

    assert _refused(response)["existing_case_ids"] == [second]


async def test_the_id_number_and_phone_are_compared_in_their_canonical_form(
    api: httpx.AsyncClient, centre: str
) -> None:
    number, mobile = national_id(), phone()
    while not number.endswith("X"):
        number = national_id()
    first = await _open(api, centre, name="李伟", national_id=number, phone=mobile)

    by_id = await api.post(
        "/cases", json=_intake(centre, name="Wang Fang", national_id=f" {number.lower()} ")
    )
    spaced = f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    by_phone = await api.post("/cases", json=_intake(centre, name="Li Wei", phone=spaced))

    assert _refused(by_id)["existing_case_ids"] == [first]
    assert _refused(by_phone)["matches"] == [{"case_id": first, "reasons": ["name_and_phone"]}]


async def test_concurrent_intakes_of_one_person_open_a_single_case(
    api: httpx.AsyncClient, centre: str
) -> None:
    number = national_id()
    body = _intake(centre, name="李伟", national_id=number)

    responses = await asyncio.gather(*(api.post("/cases", json=body) for _ in range(5)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409, 409, 409, 409], statuses
    [created] = [r.json()["id"] for r in responses if r.status_code == 201]
    for response in responses:
        if response.status_code == 409:
            assert _refused(response)["existing_case_ids"] == [created]
    assert await _case_ids_at(api, centre) == [created]


async def test_an_open_case_at_another_centre_is_neither_revealed_nor_a_duplicate(
    stack: Stack, api: httpx.AsyncClient, centre: str
) -> None:
    number = national_id()
    elsewhere = f"centre-{uuid.uuid4().hex[:12]}"
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=30, headers=stack.headers("staff", elsewhere)
    ) as other_desk:
        theirs = await _open(other_desk, elsewhere, name="李伟", national_id=number)

    ours = await _open(api, centre, name="李伟", national_id=number)

    assert ours != theirs
    assert (await api.get(f"/cases/{theirs}")).status_code == 404
