"""Fault g: two workers and two APIs on one Temporal server and one database; one of each
is killed (SIGKILL) under load and not started again.

Clients reach the APIs as through a round-robin load balancer (each attempt to the next
API), so nothing an API holds for a client may matter to the other: idempotency lives in
the workflows, sign-in in the token (the per-token user cache is a 5-second bound, per
process). The surviving worker takes over the dead one's workflow tasks (after the sticky
queue's timeout) and its activities (after their start-to-close timeout).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import pytest

from casework.probes import free_port, wait_until_ready
from tests.e2e.stack import BIN
from tests.faults.harness import (
    CarefulClient,
    FaultStack,
    Journal,
    assert_nothing_lost_nothing_doubled,
    ok,
    running_stack,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(420)]

CASES = 6
LANES = 2
STEPS = 5
KILL_AFTER = 15  # answered steps before the kill


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with running_stack(tmp_path_factory, "two-of-everything") as stack:
        yield stack


def _start_second(stack: FaultStack) -> str:
    """A second worker and a second API (on a port of its own); returns the API's URL."""
    port = free_port()
    stack.start("worker-2", str(BIN / "casework"), "worker")
    stack.start("api-2", str(BIN / "casework"), "api", env={"API_PORT": str(port)})
    url = f"http://127.0.0.1:{port}"
    wait_until_ready(url)
    return url


async def test_one_api_and_one_worker_killed_under_load_lose_and_double_nothing(
    stack: FaultStack,
) -> None:
    journal = Journal()
    run = journal.run
    second = await asyncio.to_thread(_start_second, stack)
    both = [stack.api_url, second]
    async with CarefulClient(stack, journal, api_urls=both) as client:
        case_ids = []
        for n in range(CASES):
            opened = await ok(await client.open_case(f"{run}-c{n}"))
            assert opened.case_id
            await ok(await client.accept(opened.case_id, f"{run}-c{n}-accept"))
            case_ids.append(opened.case_id)

        answered = 0
        loaded = asyncio.Event()

        async def lane(case_id: str, lane_no: int) -> None:
            nonlocal answered
            for step_no in range(STEPS):
                await client.refer(case_id, f"{run}-{case_id[:8]}-{lane_no}-{step_no}")
                answered += 1
                if answered >= KILL_AFTER:
                    loaded.set()

        lanes = [
            asyncio.create_task(lane(case_id, lane_no))
            for case_id in case_ids
            for lane_no in range(LANES)
        ]
        intakes = [asyncio.create_task(client.open_case(f"{run}-late{n}")) for n in range(4)]
        await asyncio.wait_for(loaded.wait(), timeout=180)
        answered_at_kill = answered
        stack.stop("api", signal.SIGKILL)
        stack.stop("worker", signal.SIGKILL)
        await asyncio.wait_for(asyncio.gather(*lanes, *intakes), timeout=300)

    assert answered_at_kill < CASES * LANES * STEPS, "the kill came after the load"
    assert journal.count(None) > 0, "no client met the killed API"
    # The survivors answer for the stack from now on (the final count reads through them).
    stack.api_port = int(second.rsplit(":", 1)[1])
    stack.processes["api"] = stack.processes.pop("api-2")
    stack.processes["worker"] = stack.processes.pop("worker-2")
    await assert_nothing_lost_nothing_doubled(stack, journal, "two-of-everything")
