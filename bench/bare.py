"""The baseline: the bare Temporal SDK doing the least a case could do.

``BareWorkflow`` is a long-lived workflow like a case, with nothing in it: its ``open``
update runs one no-op activity (what an intake costs Temporal: a workflow start, an
update, one activity), ``step`` is an update that only counts, ``step_with_activity`` an
update that runs the no-op activity too, and ``state`` a query. The ``*_local_activity``
variants run the same no-op as a local activity (in the workflow task, no round trip
through the server): what the project would pay with local activities. The activity is a
synchronous function run in a thread pool, as the project's projection activity is, so
the difference between the two is what the project does, not how activities run.

Its worker runs in a process of its own, on a task queue of its own, with the SDK's
default data converter:

    .venv/bin/python -m bench.bare --address 127.0.0.1:7233 --task-queue bench-bare
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

BARE_WORKFLOW = "BenchBare"
ACTIVITY_TIMEOUT = timedelta(seconds=30)


@activity.defn(name="bench_noop")
def noop(payload: str) -> str:
    return payload


@workflow.defn(name=BARE_WORKFLOW)
class BareWorkflow:
    def __init__(self) -> None:
        self._steps = 0
        self._finished = False

    @workflow.run
    async def run(self, payload: str) -> None:
        await workflow.wait_condition(lambda: self._finished)

    @workflow.update
    async def open(self, payload: str) -> str:
        return await workflow.execute_activity(
            noop, payload, start_to_close_timeout=ACTIVITY_TIMEOUT
        )

    @workflow.update
    async def step(self, payload: str) -> int:
        self._steps += 1
        return self._steps

    @workflow.update
    async def step_with_activity(self, payload: str) -> int:
        await workflow.execute_activity(noop, payload, start_to_close_timeout=ACTIVITY_TIMEOUT)
        self._steps += 1
        return self._steps

    @workflow.update
    async def open_with_local_activity(self, payload: str) -> str:
        return await workflow.execute_local_activity(
            noop, payload, start_to_close_timeout=ACTIVITY_TIMEOUT
        )

    @workflow.update
    async def step_with_local_activity(self, payload: str) -> int:
        await workflow.execute_local_activity(
            noop, payload, start_to_close_timeout=ACTIVITY_TIMEOUT
        )
        self._steps += 1
        return self._steps

    @workflow.query
    def state(self) -> int:
        return self._steps

    @workflow.signal
    def finish(self) -> None:
        self._finished = True


async def run_worker(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # The same thread count as the project's worker (casework.processes.ACTIVITY_THREADS).
    with ThreadPoolExecutor(max_workers=10) as executor:
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[BareWorkflow],
            activities=[noop],
            activity_executor=executor,
        )
        async with worker:
            await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Worker of the bare baseline workflow")
    parser.add_argument("--address", default="127.0.0.1:7233")
    parser.add_argument("--task-queue", default="bench-bare")
    args = parser.parse_args()
    asyncio.run(run_worker(args.address, args.task_queue))


if __name__ == "__main__":
    main()
