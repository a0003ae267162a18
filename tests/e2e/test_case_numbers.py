"""200 concurrent intakes against the real stack (dev server, worker, API) on each
database: 200 distinct consecutive case numbers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import BACKENDS, PG_URL, _fresh_postgres_database
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.long]
INTAKES = 200


@pytest.fixture(scope="module", params=BACKENDS)
def any_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The session's stack (SQLite), or one of its own on PostgreSQL (without starting
    the session's)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("stack")
        return
    assert PG_URL
    url, admin, name = _fresh_postgres_database(PG_URL)
    own = Stack(workdir=tmp_path_factory.mktemp("pg-stack"), database_url=url)
    try:
        own.start_all()
        yield own
    finally:
        own.stop_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


async def test_200_concurrent_intakes_get_200_distinct_consecutive_numbers(
    any_stack: Stack,
) -> None:
    centre = f"centre-{uuid.uuid4().hex[:10]}"
    headers = any_stack.headers("staff", centre)
    body = {"claimant": {"name": "张伟", "category": "veteran"}, "needs": ["training"]}
    limits = httpx.Limits(max_connections=INTAKES)
    async with httpx.AsyncClient(base_url=any_stack.api_url, timeout=120, limits=limits) as api:

        async def intake(n: int) -> str:
            # As a client does when the engine is slow to confirm (a loaded machine): the
            # same request again, with the same key, until it answers.
            keyed = {**headers, "Idempotency-Key": f"intake-{centre}-{n:04d}"}
            for _ in range(10):
                answer = await api.post("/cases", json=body, params={"confirm_new": "true"},
                                        headers=keyed)  # fmt: skip
                if answer.status_code != 503:
                    break
            assert answer.status_code == 201, answer.text
            return str(answer.json()["number"])

        numbers = await asyncio.gather(*(intake(n) for n in range(INTAKES)))
        year = numbers[0][:4]
        found = await api.get(f"/cases/by-number/{year}-{INTAKES:04d}", headers=headers)

    assert sorted(numbers) == [f"{year}-{n:04d}" for n in range(1, INTAKES + 1)]
    assert found.status_code == 200, found.text
