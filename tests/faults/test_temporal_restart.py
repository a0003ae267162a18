"""Fault b: the Temporal dev server is stopped and started again (same port, same database
file) mid-scenario, and a deadline falls due while it is down.

The legal-referral clock runs 6 seconds here (CLOCK_POLICY): an infringement recorded just
before the stop is overdue while the server is down; after the restart the case records
exactly one breach alarm for it, and every step a client got a 2xx for is still there once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.db import make_engine
from services.notify.outbox import OutboxRecord
from tests.faults.harness import (
    CarefulClient,
    FaultStack,
    Journal,
    Reader,
    assert_nothing_lost_nothing_doubled,
    ok,
    running_stack,
    temporal_client,
    workflow_history,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(420)]

CLOCK_POLICY = {
    "legal_referral": {"duration": 6, "unit": "seconds", "escalate_every": 3600, "warn_hours": 0}
}
DOWN_FOR = 10.0  # seconds the server stays down (> the 6 s clock)
CASES = 4
LANES = 2
STEPS = 8
STOP_AFTER = 10  # answered steps before the stop


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with running_stack(
        tmp_path_factory,
        "temporal-restart",
        extra_env={"CLOCK_POLICY": json.dumps(CLOCK_POLICY)},
    ) as stack:
        yield stack


def _alarms(history: list[dict[str, Any]], clock_id: str) -> list[dict[str, Any]]:
    return [
        event
        for event in history
        if event["step"]["kind"] == "clock_alarm" and event["target"] == clock_id
    ]


async def _notifications(stack: FaultStack, case_id: str, seq: int) -> list[tuple[str, str]]:
    """The outbox rows for the case's step ``seq``, once the notifier has queued any."""
    engine = make_engine(stack.inspect_url)
    try:
        for _ in range(60):
            with Session(engine) as session:
                rows = session.execute(
                    select(OutboxRecord.clock_id, OutboxRecord.kind).where(
                        OutboxRecord.case_id == case_id, OutboxRecord.seq == seq
                    )
                ).all()
            if rows:
                return [(clock, kind) for clock, kind in rows]
            await asyncio.sleep(0.5)
        return []
    finally:
        engine.dispose()


async def test_temporal_restarted_across_a_deadline_loses_and_doubles_nothing(
    stack: FaultStack,
) -> None:
    journal = Journal()
    run = journal.run
    async with CarefulClient(stack, journal) as client:
        case_ids = []
        for n in range(CASES):
            opened = await ok(await client.open_case(f"{run}-c{n}"))
            assert opened.case_id
            await ok(await client.accept(opened.case_id, f"{run}-c{n}-accept"))
            case_ids.append(opened.case_id)
        legal = await ok(await client.open_case(f"{run}-legal", needs=("legal_aid",)))
        assert legal.case_id

        answered = 0
        streaming = asyncio.Event()

        async def lane(case_id: str, lane_no: int) -> None:
            nonlocal answered
            for step_no in range(STEPS):
                await client.refer(case_id, f"{run}-{case_id[:8]}-{lane_no}-{step_no}")
                answered += 1
                if answered >= STOP_AFTER:
                    streaming.set()
                await asyncio.sleep(0.3)

        lanes = [
            asyncio.create_task(lane(case_id, lane_no))
            for case_id in case_ids
            for lane_no in range(LANES)
        ]
        await asyncio.wait_for(streaming.wait(), timeout=120)

        infringement = await ok(
            await client.step(
                "infringement",
                legal.case_id,
                "/legal-matters",
                {"infringement": "wages withheld after discharge", "infringer": "Depot Ltd"},
                f"{run}-infringement",
            )
        )
        seq = infringement.seq
        clock_id = f"legal_referral:M{seq}@{seq}"
        # Reads that query the workflows (and one of the read model) while the server is away.
        reader = Reader(
            stack,
            [
                f"/cases/{legal.case_id}/tasks",
                f"/cases/{legal.case_id}/legal-matters/M{seq}",
                f"/cases/{legal.case_id}",
                "/ready",
            ],
        )
        reader.start()
        assert infringement.last is not None
        [due] = [c["due_at"] for c in infringement.last.body["clocks"] if c["id"] == clock_id]
        due_at = datetime.fromisoformat(due)
        # Down as soon as it is recorded: SIGTERM, and SIGKILL if it is slow to go (the
        # deadline must fall due while the server is down).
        left = (due_at - datetime.now(UTC)).total_seconds()
        assert left > 1, f"the infringement was answered {6 - left:.1f}s after it was recorded"
        await asyncio.to_thread(stack.stop, "temporal", signal.SIGTERM, min(3.0, left - 1))
        down_at = datetime.now(UTC)
        reader.phase = "during"
        newcomers = [asyncio.create_task(client.open_case(f"{run}-down{n}")) for n in range(3)]
        await asyncio.sleep(DOWN_FOR)
        await asyncio.to_thread(stack.start_temporal)
        reader.phase = "after"
        await asyncio.wait_for(asyncio.gather(*lanes, *newcomers), timeout=300)

        temporal = await temporal_client(stack)
        for _ in range(120):
            history = await workflow_history(temporal, legal.case_id)
            if _alarms(history, clock_id):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)  # a second alarm, if any, would come now
        history = await workflow_history(temporal, legal.case_id)
        await reader.stop()

    recorded = next(event for event in history if event["seq"] == seq)
    assert [
        datetime.fromisoformat(c["due_at"]) for c in recorded["clocks"] if c["id"] == clock_id
    ] == [due_at]
    assert down_at < due_at, f"the server went down at {down_at}, after the deadline {due_at}"
    assert due_at < down_at + timedelta(seconds=DOWN_FOR), "the deadline fell due after restart"
    alarms = _alarms(history, clock_id)
    breaches = [
        a for a in alarms if any(c["id"] == clock_id and c["level"] == 1 for c in a["clocks"])
    ]
    assert len(alarms) == len(breaches) == 1, f"alarms for {clock_id}: {alarms}"
    breach = alarms[0]["seq"]
    notified = await _notifications(stack, legal.case_id, breach)
    assert notified == [(clock_id, "breached")], f"notifications of the breach: {notified}"
    assert journal.count(None) + journal.count(503) > 0, "no client noticed the server going away"
    if os.environ.get("FAULTS_DETAILS"):
        print(f"  reads: {reader.seen()}")
    assert not reader.wrong(), f"reads answered other than 2xx, 4xx or 503: {reader.wrong()[:10]}"
    ready = [(read.phase, read.status) for read in reader.reads if read.path == "/ready"]
    assert ("during", 503) in ready, f"/ready did not notice the server away: {ready}"
    assert ready[-1] == ("after", 200), f"/ready after the restart: {ready}"
    await assert_nothing_lost_nothing_doubled(stack, journal, "temporal-restart")
