"""Fault d: the API is stopped (SIGTERM) and started again while clients keep sending."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.faults.harness import (
    CarefulClient,
    FaultStack,
    Journal,
    assert_nothing_lost_nothing_doubled,
    ok,
    projections_held,
    projections_started,
    running_stack,
    temporal_client,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(420)]

CASES = 6
LANES = 3
STEPS = 6
RESTART_AFTER = 20  # answered steps before SIGTERM


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with running_stack(tmp_path_factory, "api-restart") as stack:
        yield stack


async def test_api_restarted_mid_stream_loses_and_doubles_nothing(stack: FaultStack) -> None:
    journal = Journal()
    run = journal.run
    temporal = await temporal_client(stack)
    async with CarefulClient(stack, journal) as client:
        case_ids = []
        for n in range(CASES):
            opened = await ok(await client.open_case(f"{run}-c{n}"))
            assert opened.case_id
            case_ids.append(opened.case_id)

        answered = 0
        streaming = asyncio.Event()

        async def lane(case_id: str, lane_no: int) -> None:
            nonlocal answered
            # The first lane of each case accepts it; the others' first referrals are
            # refused (409) until it is active: they try again with a new key.
            if lane_no == 0:
                await client.accept(case_id, f"{run}-{case_id[:8]}-accept")
            for step_no in range(STEPS):
                for again in range(20):
                    token = f"{run}-{case_id[:8]}-{lane_no}-{step_no}-{again}"
                    sent = await client.refer(case_id, token)
                    if sent.status != 409:
                        break
                    await asyncio.sleep(0.2)
                answered += 1
                if answered >= RESTART_AFTER:
                    streaming.set()

        lanes = [
            asyncio.create_task(lane(case_id, lane_no))
            for case_id in case_ids
            for lane_no in range(LANES)
        ]
        # Intakes keep arriving too, each repeated once by its impatient client.
        intakes = [asyncio.create_task(client.open_case(f"{run}-late{n}")) for n in range(4)]
        await asyncio.wait_for(streaming.wait(), timeout=120)
        # SIGTERM while requests are in flight: they wait on projections held for a moment,
        # and the API finishes them before it exits (graceful shutdown).
        with projections_held(stack, case_ids):
            in_flight = 0
            for _ in range(100):
                in_flight, _ = await projections_started(temporal, case_ids)
                if in_flight >= 2:
                    break
                await asyncio.sleep(0.1)
            answered_at_stop = answered
            stopping = asyncio.create_task(asyncio.to_thread(stack.stop, "api"))
            await asyncio.sleep(2)
        await stopping
        late = [asyncio.create_task(client.open_case(f"{run}-down{n}")) for n in range(4)]
        await asyncio.sleep(1)
        await asyncio.to_thread(stack.start_api)
        await asyncio.wait_for(asyncio.gather(*lanes, *intakes, *late), timeout=300)
        repeats = [await client.open_case(f"{run}-down{n}") for n in range(4)]
        first = [task.result() for task in late]

    assert in_flight >= 1, "no request was waiting on a projection when the API was stopped"
    assert answered_at_stop < CASES * LANES * STEPS, "the API was stopped after the stream"
    assert journal.count(None) > 0, "no client noticed the API going away"
    assert [sent.case_id for sent in repeats] == [sent.case_id for sent in first]
    await assert_nothing_lost_nothing_doubled(stack, journal, "api-restart")
