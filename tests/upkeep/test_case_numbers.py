"""Case numbers per centre and year: concurrent intakes get distinct consecutive numbers,
a repeat gets its own again, and a number finds its case."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services.cases.numbers import NumberRequest, allocate_case_number, counter_of, local_year
from services.db import transaction
from tests.upkeep.conftest import Desk


def _allocate(session_factory: sessionmaker[Session], request: NumberRequest) -> str:
    # Retried as the activity would be: a transaction that lost a race changes nothing.
    for _ in range(20):
        try:
            with transaction(session_factory) as session:
                return allocate_case_number(session=session, request=request)
        except SQLAlchemyError:  # the activity's retry, in short
            continue
    raise AssertionError("no number after 20 tries")


def test_200_concurrent_allocations_give_200_consecutive_numbers_and_repeats_their_own(
    session_factory: sessionmaker[Session],
) -> None:
    centre = f"centre-{uuid.uuid4().hex[:10]}"
    at = datetime(2026, 3, 1, tzinfo=UTC)
    requests = [NumberRequest(case_id=str(uuid.uuid4()), centre=centre, at=at) for _ in range(200)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        # Each case twice, the repeats racing their first allocation.
        numbers = list(pool.map(lambda r: _allocate(session_factory, r), requests * 2))

    first, repeated = numbers[:200], numbers[200:]
    assert repeated == first
    assert sorted(first) == [f"2026-{seq:04d}" for seq in range(1, 201)]
    with session_factory() as session:
        assert counter_of(session=session, centre=centre, year=2026) == 200


def test_the_year_is_the_centres_local_year() -> None:
    new_year_in_beijing = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)

    assert local_year(new_year_in_beijing, 480) == 2027
    assert local_year(new_year_in_beijing, 0) == 2026


async def test_concurrent_intakes_are_numbered_consecutively_and_found_by_number(
    desk: Desk,
) -> None:
    body = {"claimant": {"name": "王建国", "category": "veteran"}, "needs": ["training"]}

    async def intake(n: int) -> dict[str, object]:
        answer = await desk.api.post(
            "/cases",
            json={**body, "number": "1999-0001"},  # the centre's to give, not the caller's
            params={"confirm_new": "true"},
            headers={**desk.staff, "Idempotency-Key": f"intake-{n:04d}-{desk.centre}"},
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    cases = await asyncio.gather(*(intake(n) for n in range(40)))
    repeat = await intake(7)
    year = cases[0]["opened_at"][:4]
    some = cases[11]
    by_number = await desk.api.get(f"/cases/by-number/{some['number']}", headers=desk.staff)
    listed = await desk.api.get("/cases", params={"text": some["number"]}, headers=desk.staff)
    unknown = await desk.api.get(f"/cases/by-number/{year}-9999", headers=desk.staff)
    malformed = await desk.api.get("/cases/by-number/42", headers=desk.staff)
    elsewhere = await desk.api.get(
        f"/cases/by-number/{some['number']}", headers=desk.lawyer
    )  # not the lawyer's case

    assert sorted(case["number"] for case in cases) == [f"{year}-{n:04d}" for n in range(1, 41)]
    assert repeat["number"] == cases[7]["number"]
    assert by_number.status_code == 200, by_number.text
    assert by_number.json()["id"] == some["id"]
    assert [item["id"] for item in listed.json()["items"]] == [some["id"]]
    assert listed.json()["items"][0]["number"] == some["number"]
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_case_number")
    assert malformed.status_code == 422
    # Another's case reads exactly as a number that was never given.
    assert elsewhere.text.replace(some["number"], "N") == unknown.text.replace(f"{year}-9999", "N")
