"""Fault e: 200 clients at once, opening and updating cases, with repeats (same key, same
body) and conflicts (a stale If-Match, two different steps racing on one case) mixed in;
and 50 identical intakes at once with one Idempotency-Key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.faults.harness import (
    CarefulClient,
    FaultStack,
    Journal,
    Sent,
    assert_nothing_lost_nothing_doubled,
    intake,
    running_stack,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(480)]

CLIENTS = 200
IDENTICAL_INTAKES = 50


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with running_stack(tmp_path_factory, "concurrent-clients") as stack:
        yield stack


async def test_fifty_identical_intakes_at_once_open_exactly_one_case(stack: FaultStack) -> None:
    journal = Journal()
    async with CarefulClient(stack, journal, connections=IDENTICAL_INTAKES) as client:
        sent = await asyncio.gather(
            *(client.send(intake(f"{journal.run}-once")) for _ in range(IDENTICAL_INTAKES))
        )
    assert [s.status for s in sent] == [201] * IDENTICAL_INTAKES, [s.describe() for s in sent]
    assert len({s.case_id for s in sent}) == 1
    await assert_nothing_lost_nothing_doubled(stack, journal, "identical-intakes")


async def test_two_hundred_concurrent_clients_get_consistent_results(stack: FaultStack) -> None:
    journal = Journal()
    run = journal.run
    inconsistent: list[str] = []

    def expect(condition: bool, what: str, *sent: Sent) -> None:
        if not condition:
            inconsistent.append(
                f"{what}: " + "; ".join(f"{s.describe()} {s.status} {s.code}" for s in sent)
            )

    # Two hundred requests at once queue up on two cores: a client waits a little longer
    # than elsewhere in the suite before it retries.
    async with CarefulClient(
        stack, journal, connections=CLIENTS + 50, attempt_timeout=30
    ) as client:

        async def one_client(n: int) -> None:
            token = f"{run}-e{n}"
            kind = n % 4
            if kind == 0:  # an impatient client: its intake twice at once
                opened, again = await asyncio.gather(
                    client.send(intake(token)), client.send(intake(token))
                )
                expect(
                    opened.status == again.status == 201 and opened.case_id == again.case_id,
                    "one case per intake key",
                    opened,
                    again,
                )
            else:
                opened = await client.send(intake(token))
                expect(opened.status == 201, "intake", opened)
            case_id = opened.case_id
            if case_id is None:
                return
            seen = opened.last.etag if opened.last else None

            if kind == 0:  # a step repeated at once, then its key reused for another step
                accepted = await client.accept(case_id, f"{token}-accept")
                expect(accepted.status == 200, "acceptance", accepted)
                first, repeat = await asyncio.gather(
                    client.refer(case_id, f"{token}-r"), client.refer(case_id, f"{token}-r")
                )
                expect(
                    first.status == repeat.status == 201 and first.seq == repeat.seq == 3,
                    "a repeated step answers as the first",
                    first,
                    repeat,
                )
                reused = await client.refer(case_id, f"{token}-other", key=f"k-{token}-r")
                expect(
                    reused.status == 422 and reused.code == "idempotency_key_reused",
                    "a key reused for another step",
                    reused,
                )
                if n % 20 == 0:  # and an intake key reused for another person
                    other = await client.send(intake(f"{token}-other", key=opened.key))
                    expect(
                        other.status == 422 and other.code == "idempotency_key_reused",
                        "an intake key reused for another intake",
                        other,
                    )
            elif kind == 1:  # a current If-Match applies; the same one again is stale
                started = await client.step(
                    "assessment", case_id, "/assessment/start", {}, f"{token}-s", if_match=seen
                )
                expect(started.status == 200, "a current If-Match", started)
                stale = await client.step(
                    "withdrawal",
                    case_id,
                    "/withdraw",
                    {"reason": "moved away"},
                    f"{token}-stale",
                    if_match=seen,
                )
                expect(
                    stale.status == 412 and stale.code == "stale_version", "stale If-Match", stale
                )
            elif kind == 2:  # two different steps on one version, at once: one wins
                racing = await asyncio.gather(
                    client.step(
                        "need", case_id, "/needs", {"need": "training"}, f"{token}-a", if_match=seen
                    ),
                    client.step(
                        "need",
                        case_id,
                        "/needs",
                        {"need": "fee_relief"},
                        f"{token}-b",
                        if_match=seen,
                    ),
                )
                expect(
                    sorted(s.status or 0 for s in racing) == [200, 412]
                    and {s.code for s in racing} == {None, "stale_version"},
                    "two steps on one version",
                    *racing,
                )
            else:  # two different closing steps at once: the second finds the case closed
                racing = await asyncio.gather(
                    client.step(
                        "withdrawal", case_id, "/withdraw", {"reason": "moved"}, f"{token}-w"
                    ),
                    client.step(
                        "closure",
                        case_id,
                        "/close",
                        {"outcome": "served", "reason": "done"},
                        f"{token}-c",
                    ),
                )
                expect(
                    sorted(s.status or 0 for s in racing) == [200, 409],
                    "two closing steps at once",
                    *racing,
                )

        await asyncio.wait_for(
            asyncio.gather(*(one_client(n) for n in range(CLIENTS))), timeout=360
        )

    await assert_nothing_lost_nothing_doubled(
        stack, journal, "concurrent-clients", extra=inconsistent
    )
