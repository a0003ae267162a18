"""Fault a: the worker is killed (SIGKILL) while projections run, then started again.

At the kill, projections are caught in both dangerous states: committed to the database but
not yet reported to Temporal (the worker's link to Temporal is frozen by a proxy, so their
completions never arrive), and, on PostgreSQL, still waiting inside their transaction (the
rows they lock first are held by the test). Temporal retries them after their timeout on the
restarted worker: nothing may be lost, nothing written twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
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
    projection_runs,
    projections_started,
    running_stack,
    temporal_client,
    timeline_size,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(420)]

CASES = 6
LANES = 2
STEPS = 5
KILL_AFTER = 12  # answered steps before the kill


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with running_stack(tmp_path_factory, "worker-kill", worker_via_proxy=True) as stack:
        yield stack


async def test_worker_killed_while_projecting_loses_and_doubles_nothing(stack: FaultStack) -> None:
    journal = Journal()
    run = journal.run
    temporal = await temporal_client(stack)
    link = stack.worker_link
    assert link is not None
    async with CarefulClient(stack, journal) as client:
        case_ids = []
        for n in range(CASES):
            opened = await ok(await client.open_case(f"{run}-c{n}"))
            assert opened.case_id
            await ok(await client.accept(opened.case_id, f"{run}-c{n}-accept"))
            case_ids.append(opened.case_id)

        answered = 0
        streaming = asyncio.Event()

        async def lane(case_id: str, lane_no: int) -> None:
            nonlocal answered
            for step_no in range(STEPS):
                await client.refer(case_id, f"{run}-{case_id[:8]}-{lane_no}-{step_no}")
                answered += 1
                if answered >= KILL_AFTER:
                    streaming.set()

        lanes = [
            asyncio.create_task(lane(case_id, lane_no))
            for case_id in case_ids
            for lane_no in range(LANES)
        ]
        await asyncio.wait_for(streaming.wait(), timeout=120)
        # Reads that query the workflows (a worker answers them) and the read model.
        reader = Reader(
            stack,
            [f"/cases/{case_ids[0]}/tasks", f"/cases/{case_ids[1]}", f"/cases/{case_ids[2]}/tasks"],
        )
        reader.start()

        # Projections start and wait on held locks: half of the cases will be let through
        # (to commit, unreported), the other half stays held until the worker is dead.
        through, held = case_ids[: CASES // 2], case_ids[CASES // 2 :]
        holds = (
            [ProjectionHold(stack, case_ids)]
            if stack.backend == "sqlite"
            else [ProjectionHold(stack, through), ProjectionHold(stack, held)]
        )
        for hold in holds:
            await asyncio.to_thread(hold.take)
        in_flight = 0
        for _ in range(100):
            in_flight, _ = await projections_started(temporal, case_ids)
            if in_flight >= CASES - 1:
                break
            await asyncio.sleep(0.1)
        rows_before = await asyncio.to_thread(timeline_size, stack, case_ids)
        await asyncio.to_thread(link.freeze)
        await asyncio.to_thread(holds[0].release)
        committed = 0
        for _ in range(50):
            committed = await asyncio.to_thread(timeline_size, stack, case_ids) - rows_before
            if committed > 0:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        answered_at_kill = answered
        stack.stop("worker", signal.SIGKILL)
        reader.phase = "during"
        for hold in holds[1:]:
            await asyncio.to_thread(hold.release)
        await asyncio.to_thread(link.thaw)
        await asyncio.to_thread(stack.start_worker)
        await asyncio.wait_for(asyncio.gather(*lanes), timeout=300)
        reader.phase = "after"
        await asyncio.sleep(1)
        await reader.stop()

    assert in_flight >= 1, "no projection was running when the worker was killed"
    assert committed > 0, "no projection committed while its completion was held"
    assert answered_at_kill < CASES * LANES * STEPS, "the worker was killed after the stream"
    runs = await projection_runs(temporal, case_ids)
    skipped = [r for r in runs if r.attempt > 1 and r.added < r.events]
    if os.environ.get("FAULTS_DETAILS"):
        print(
            f"  in flight {in_flight}, committed unreported {committed}, retried projections "
            f"{[(r.attempt, r.events, r.added) for r in runs if r.attempt > 1]}; "
            f"reads: {reader.seen()}"
        )
    assert not reader.wrong(), f"reads answered other than 2xx, 4xx or 503: {reader.wrong()[:10]}"
    assert skipped, f"no retried projection found its events already written: {runs}"
    await assert_nothing_lost_nothing_doubled(stack, journal, "worker-kill")
