"""Fault c: the read model's database is unreachable for ~30 s while steps keep arriving.

On PostgreSQL the processes reach the (shared) server through a TCP proxy in the test
process, which drops and refuses every connection for the outage; on SQLite the database's
folder is renamed away and its write lock held. The workflows keep accepting steps
(Temporal is up); their projections fail and retry with a bounded backoff; reads answer
503 problem+json (never 500); once the database is back, everything is projected.

What an outage is to SQLite: there is no connection to lose, so a projection first waits
for the write lock (the busy timeout, 30 s), then fails with "database is locked" and is
retried. Its outage lasts longer than that wait, so that a retry is seen there too.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Iterator

import pytest

from tests.faults.harness import (
    CarefulClient,
    FaultStack,
    Journal,
    ProjectionHold,
    Reader,
    assert_nothing_lost_nothing_doubled,
    ok,
    projections_started,
    running_stack,
    temporal_client,
    workflow_history,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(480)]

OUTAGE = 30.0
SQLITE_BUSY_TIMEOUT = 30.0  # services/db.py: PRAGMA busy_timeout
CASES = 5
LANES = 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with running_stack(tmp_path_factory, "database-outage", proxied=True) as stack:
        yield stack


async def test_database_unreachable_for_30_seconds_loses_and_doubles_nothing(
    stack: FaultStack,
) -> None:
    assert stack.outage is not None
    journal = Journal()
    run = journal.run
    temporal = await temporal_client(stack)
    async with CarefulClient(stack, journal) as client:
        case_ids = []
        for n in range(CASES):
            opened = await ok(await client.open_case(f"{run}-c{n}"))
            assert opened.case_id
            await ok(await client.accept(opened.case_id, f"{run}-c{n}-accept"))
            case_ids.append(opened.case_id)

        first, second = case_ids[0], case_ids[1]
        # Every read of the read model, and readiness.
        reader = Reader(
            stack,
            [
                f"/cases/{first}",
                "/cases?limit=5",
                "/cases?text=Claimant&stage=active&limit=5",
                f"/cases/{second}/timeline",
                f"/cases/{second}/timeline/verify",
                f"/cases/{first}/history",
                f"/cases/{first}/deadlines",
                f"/cases/{first}/legal-matters/M99",
                "/tasks?limit=5",
                "/escalations?limit=5",
                "/reports/summary?from=2026-01-01&to=2026-12-31",
                "/reports/summary?from=2026-01-01&to=2026-12-31&format=csv",
                "/ready",
            ],
            # SQLite: pooled connections still read the file that was moved away; new
            # ones cannot open it.
            burst=[f"/cases/{case_id}" for case_id in case_ids * 3],
        )

        async def lane(case_id: str, lane_no: int, steps: int) -> None:
            for step_no in range(steps):
                await client.refer(case_id, f"{run}-{case_id[:8]}-{lane_no}-{step_no}")
                await asyncio.sleep(0.5)

        async def newcomer(token: str, phone: str | None) -> None:
            opened = await client.open_case(token, phone=phone)
            if opened.accepted and opened.case_id:
                await client.accept(opened.case_id, f"{token}-accept")

        async def histories() -> dict[str, int]:
            return {case_id: len(await workflow_history(temporal, case_id)) for case_id in case_ids}

        reader.start()
        lanes = [
            asyncio.create_task(lane(case_id, lane_no, 6))
            for case_id in case_ids
            for lane_no in range(LANES)
        ]
        await asyncio.sleep(3)

        # A step is accepted and its projection started, but held, just before the cut:
        # its projection is certainly caught by the outage (the hold is this process's own
        # connection; on SQLite the outage itself holds every projection).
        held = case_ids[-1]
        hold = ProjectionHold(stack, [held]) if stack.backend == "postgresql" else None
        if hold is not None:
            await asyncio.to_thread(hold.take)
        caught = asyncio.create_task(client.refer(held, f"{run}-caught"))
        started = 0
        for _ in range(150 if hold else 0):
            started, _ = await projections_started(temporal, [held])
            if started:
                break
            await asyncio.sleep(0.1)
        # (Taken while the database is there: the suite reads case keys from it too.)
        at_cut = await histories()
        await asyncio.to_thread(stack.outage.cut)
        reader.phase = "during"
        cut_at = time.monotonic()
        if hold is not None:
            await asyncio.to_thread(hold.release)
        # New steps keep arriving while the database is away, each from a client of its own
        # (the lanes above wait for their answers): one a second, and an intake now and then.
        arriving: list[asyncio.Task[object]] = []
        retried_attempt = tick = 0
        outage = OUTAGE if stack.backend == "postgresql" else SQLITE_BUSY_TIMEOUT + 15
        while time.monotonic() - cut_at < outage:
            case_id = case_ids[tick % len(case_ids)]
            arriving.append(asyncio.create_task(client.refer(case_id, f"{run}-out{tick}")))
            if tick % 5 == 0:
                # Every other one gives a phone: its intake looks for the person's open cases
                # in the read model first, which answers 503 until the database is back.
                phone = f"139{random.randrange(10**8):08d}" if tick % 10 else None
                arriving.append(asyncio.create_task(newcomer(f"{run}-new{tick}", phone)))
            tick += 1
            _, attempt = await projections_started(temporal, case_ids)
            retried_attempt = max(retried_attempt, attempt)
            await asyncio.sleep(1)
        await asyncio.to_thread(stack.outage.restore)
        reader.phase = "after"
        restored_at = time.monotonic()
        at_restore = await histories()
        await asyncio.wait_for(asyncio.gather(*lanes, *arriving, caught), timeout=300)
        settled_in = time.monotonic() - restored_at
        await reader.stop()

    # Steps that reached their workflows while the database was away (none, where the
    # API's sign-in check needs the database: those steps answer 503 and are retried).
    accepted_meanwhile = sum(at_restore[case_id] - at_cut[case_id] for case_id in case_ids)
    if os.environ.get("FAULTS_DETAILS"):
        print(
            f"  settled {settled_in:.1f}s after the database came back; {accepted_meanwhile} "
            f"step(s) accepted meanwhile; projection attempts "
            f"up to {retried_attempt}; reads: {reader.seen()}"
        )
    if hold is not None:
        assert started, "no projection was running when the database went away"
    assert retried_attempt >= 2, "no projection was retried during the outage"
    wrong = reader.wrong()
    assert not wrong, f"reads answered other than 2xx, 4xx or 503 problem+json: {wrong[:10]}"
    unavailable = [read for read in reader.reads if read.phase == "during" and read.status == 503]
    assert any(read.path != "/ready" for read in unavailable), (
        f"no read answered 503 during the outage: {reader.seen()}"
    )
    ready = [(read.phase, read.status) for read in reader.reads if read.path == "/ready"]
    if stack.backend == "postgresql":
        # (SQLite's pooled connections still read the file that was moved away.)
        assert ("during", 503) in ready, f"/ready did not notice the database away: {ready}"
    assert ready[-1] == ("after", 200), f"/ready after the outage: {ready}"
    assert settled_in < 120, f"took {settled_in:.0f}s to settle after the database came back"
    await assert_nothing_lost_nothing_doubled(stack, journal, "database-outage")
