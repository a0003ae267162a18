"""Fault: the worker is killed (SIGKILL) in the middle of a reassignment of many open
cases, then started again. The batch it was moving is retried on the restarted worker;
every case must end with the new owner, moved exactly once (one ``case_reassigned`` event
in its timeline), and the reassignment's count must say so.

``REASSIGN_CASES`` sets how many cases (1,000 by default, as the issue asks)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from casework.probes import wait_until_ready
from services.cases.records import CaseEventRecord, CaseRecord
from services.cases.steps import CASE_REASSIGNED
from tests.e2e import stack as e2e_stack
from tests.faults.harness import (
    SUMMARY,
    CarefulClient,
    FaultStack,
    Journal,
    auth_headers,
    ok,
    running_stack,
    temporal_client,
)
from workflows.ids import reassignment_workflow_id

pytestmark = [pytest.mark.faults, pytest.mark.timeout(3600)]

CASES = int(os.environ.get("REASSIGN_CASES", "1000"))
INTAKES_AT_ONCE = 16
KILL_AT = 0.4  # share of the cases moved when the worker is killed


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    # On a loaded machine three processes importing the service at once may take longer
    # than the suite's two minutes to answer /ready: this fault, long anyway, waits more.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(e2e_stack, "wait_until_ready", partial(wait_until_ready, timeout=600))
        with running_stack(tmp_path_factory, "reassignment-kill") as stack:
            yield stack


async def test_reassigning_many_cases_through_a_worker_kill_moves_each_exactly_once(
    stack: FaultStack,
) -> None:
    journal = Journal()
    taker = stack.add_user("taker", "staff")
    supervisor = auth_headers(stack, "supervisor")
    started_at = time.monotonic()
    async with CarefulClient(stack, journal) as client:
        gate = asyncio.Semaphore(INTAKES_AT_ONCE)

        async def open_one(n: int) -> str:
            async with gate:
                opened = await ok(await client.open_case(f"{journal.run}-r{n}"))
            assert opened.case_id
            return opened.case_id

        case_ids = await asyncio.gather(*(open_one(n) for n in range(CASES)))
    opened_in = time.monotonic() - started_at

    async with httpx.AsyncClient(base_url=stack.api_url, headers=supervisor, timeout=30) as api:
        body = {"from_owner": "staff", "to_owner": taker, "reason": "the desk moves"}
        started = await api.post("/reassignments", json=body)
        assert started.status_code == 202, started.text
        location = started.headers["location"]
        moving_from = time.monotonic()
        progress = await _until(api, location, lambda p: p["done"] >= CASES * KILL_AT)
        done_at_kill = progress["done"]
        stack.stop("worker", signal.SIGKILL)
        await asyncio.sleep(1)
        stack.start_worker()
        progress = await _until(api, location, lambda p: p["finished"], within=1800)
        moved_in = time.monotonic() - moving_from

    owners, events = _owners_and_moves(stack, case_ids)
    retried = await _retried_batches(stack, location.rsplit("/", 1)[1])
    line = (
        f"fault reassignment-kill: cases {CASES}, done {progress['done']}, "
        f"failed {len(progress['failed'])}, moved twice "
        f"{sum(1 for n in events.values() if n > 1)}, not moved "
        f"{sum(1 for n in events.values() if n == 0)}; killed at {done_at_kill} done, "
        f"batches retried {retried}; intakes {opened_in:.0f}s, reassignment {moved_in:.0f}s"
    )
    SUMMARY.append(line)
    print(line)
    assert done_at_kill < CASES, "the worker was killed after the reassignment"
    assert (progress["total"], progress["done"], progress["failed"], progress["left"]) == (
        CASES, CASES, [], 0,
    )  # fmt: skip
    assert set(owners.values()) == {taker}
    assert all(n == 1 for n in events.values()), {k: n for k, n in events.items() if n != 1}
    assert retried >= 1, "no batch was retried: the kill did not catch one in flight"


async def _until(
    api: httpx.AsyncClient, location: str, check: Any, within: float = 900
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    progress: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            answer = await api.get(location)
            if answer.status_code == 200:
                progress = answer.json()
                if check(progress):
                    return progress
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.5)
    raise AssertionError(f"the reassignment did not get there; last seen {progress}")


def _owners_and_moves(
    stack: FaultStack, case_ids: list[str]
) -> tuple[dict[str, str], dict[str, int]]:
    engine = create_engine(stack.inspect_url)
    try:
        with engine.connect() as connection:
            owners = dict(
                connection.execute(
                    select(CaseRecord.id, CaseRecord.owner).where(CaseRecord.id.in_(case_ids))
                ).all()
            )
            moves = dict(
                connection.execute(
                    select(CaseEventRecord.case_id, func.count())
                    .where(CaseEventRecord.type == CASE_REASSIGNED)
                    .group_by(CaseEventRecord.case_id)
                ).all()
            )
    finally:
        engine.dispose()
    assert len(owners) == len(case_ids)
    return owners, {case_id: int(moves.get(case_id, 0)) for case_id in case_ids}


async def _retried_batches(stack: FaultStack, reassignment_id: str) -> int:
    """Batches of moves the workflow ran more than once (the kill's doing)."""
    temporal = await temporal_client(stack)
    handle = temporal.get_workflow_handle(reassignment_workflow_id(reassignment_id))
    retried = 0
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_started_event_attributes"):
            retried += event.activity_task_started_event_attributes.attempt > 1
    return retried
