"""Graceful shutdown: SIGTERM lets the API and the worker finish what they are doing.

A request the API is serving when it is told to stop gets its answer (no retry needed);
an activity the worker is running when it is told to stop completes on that worker (no
retry after its timeout). Both processes then exit cleanly, and nothing is lost or
doubled. Each finds its work held at the projection's first lock, so the signal always
arrives while that work is in flight.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator

import pytest

from tests.faults.harness import (
    CarefulClient,
    FaultStack,
    Journal,
    assert_nothing_lost_nothing_doubled,
    ok,
    projection_runs,
    projections_held,
    projections_started,
    running_stack,
    temporal_client,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

IN_FLIGHT = 3
STILL_BUSY_AFTER = 2.0  # seconds after SIGTERM the process must still be finishing its work
EXIT_WITHIN = 30.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with running_stack(tmp_path_factory, "graceful-shutdown") as stack:
        yield stack


async def _wait_for_projection(stack: FaultStack, case_id: str) -> int:
    temporal = await temporal_client(stack)
    started = 0
    for _ in range(150):
        started, _ = await projections_started(temporal, [case_id])
        if started:
            break
        await asyncio.sleep(0.1)
    return started


def _exit_code(process: subprocess.Popen[bytes]) -> int | None:
    try:
        return process.wait(timeout=EXIT_WITHIN)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


async def test_api_stopped_with_requests_in_flight_answers_them_then_exits(
    stack: FaultStack,
) -> None:
    journal = Journal()
    run = journal.run
    async with CarefulClient(stack, journal) as client:
        opened = await ok(await client.open_case(f"{run}-api"))
        assert opened.case_id
        case_id = opened.case_id
        await ok(await client.accept(case_id, f"{run}-api-accept"))

        with projections_held(stack, [case_id]):
            steps = [
                asyncio.create_task(client.refer(case_id, f"{run}-api-r{n}"))
                for n in range(IN_FLIGHT)
            ]
            started = await _wait_for_projection(stack, case_id)
            api = stack.processes.pop("api")
            api.send_signal(signal.SIGTERM)
            await asyncio.sleep(STILL_BUSY_AFTER)
            busy = api.poll() is None
        code = await asyncio.to_thread(_exit_code, api)
        sent = await asyncio.gather(*steps)
        await asyncio.to_thread(stack.start_api)

    assert started, "no projection was running when the API was stopped"
    assert busy, "the API exited while requests were still in flight"
    assert code == 0, f"the API exited with {code} (None: killed after {EXIT_WITHIN}s)"
    assert [(s.status, len(s.attempts)) for s in sent] == [(201, 1)] * IN_FLIGHT, [
        s.describe() for s in sent
    ]
    await assert_nothing_lost_nothing_doubled(stack, journal, "api-sigterm")


async def test_worker_stopped_while_projecting_finishes_the_activity_then_exits(
    stack: FaultStack,
) -> None:
    journal = Journal()
    run = journal.run
    temporal = await temporal_client(stack)
    async with CarefulClient(stack, journal) as client:
        opened = await ok(await client.open_case(f"{run}-worker"))
        assert opened.case_id
        case_id = opened.case_id
        await ok(await client.accept(case_id, f"{run}-worker-accept"))

        with projections_held(stack, [case_id]):
            step = asyncio.create_task(client.refer(case_id, f"{run}-worker-r"))
            started = await _wait_for_projection(stack, case_id)
            worker = stack.processes.pop("worker")
            worker.send_signal(signal.SIGTERM)
            await asyncio.sleep(STILL_BUSY_AFTER)
            busy = worker.poll() is None
        code = await asyncio.to_thread(_exit_code, worker)
        # The workflow goes on once a worker polls again.
        await asyncio.to_thread(stack.start_worker)
        sent = await step

    assert started, "no projection was running when the worker was stopped"
    assert busy, "the worker exited while its activity was still running"
    assert code == 0, f"the worker exited with {code} (None: killed after {EXIT_WITHIN}s)"
    assert sent.status == 201, sent.describe()
    runs = await projection_runs(temporal, [case_id])
    assert runs, "no projection completed"
    assert [r.attempt for r in runs] == [1] * len(runs), (
        f"a projection was retried instead of finishing on the stopping worker: {runs}"
    )
    await assert_nothing_lost_nothing_doubled(stack, journal, "worker-sigterm")
