"""Fault n: notifications through a receiver that is down for 30 s, then a worker killed
(SIGKILL) in the middle of a delivery and started again.

The messages go to a real SMTP server and a webhook receiver on loopback, started here;
the worker's dispatcher delivers them. Nothing may be lost; each message reaches its
person under one stable id, so a repeat (the one in flight at the kill, sent again once
its claim lapsed) is the same id, dropped by the receiver, and nothing else repeats.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from services.db import make_engine, make_session_factory
from services.kernel.actors import Role
from services.notify.model import Contact, message_id
from services.notify.outbox import OutboxRecord
from tests.faults.harness import SUMMARY, FaultStack, running_stack
from tests.notifications.receivers import Mailbox, Webhook, smtp_server, webhook_receiver
from tests.notifications.support import a_case, a_person, breach, queue

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

DOWN_SECONDS = 30
PEOPLE = 4  # half by email, half by webhook
NOTIFICATIONS = 6  # per person, each phase
CENTRE = "faults-notify"


@pytest.fixture(scope="module")
def receivers() -> Iterator[tuple[Mailbox, Webhook]]:
    with smtp_server() as mailbox, webhook_receiver() as hook:
        yield mailbox, hook


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, receivers: tuple[Mailbox, Webhook]
) -> Iterator[FaultStack]:
    mailbox, _ = receivers
    env = {
        "NOTIFY_SMTP_URL": mailbox.url(),
        "NOTIFY_POLL_SECONDS": "0.5",
        "NOTIFY_FIRST_RETRY_SECONDS": "2",
        "NOTIFY_LONGEST_RETRY_SECONDS": "4",
        "NOTIFY_MAX_ATTEMPTS": "30",  # 30 s down is well within them
        "NOTIFY_LEASE_SECONDS": "6",
        "NOTIFY_TIMEOUT_SECONDS": "3",
    }
    with running_stack(tmp_path_factory, "notify", extra_env=env) as stack:
        yield stack


async def _all_sent(stack: FaultStack, expected: set[str], within: float) -> dict[str, int]:
    """Wait until every expected message is sent: {message id: attempts}."""
    factory = make_session_factory(make_engine(stack.inspect_url))
    deadline = time.monotonic() + within
    while True:
        with factory() as session:
            rows = session.scalars(select(OutboxRecord).where(OutboxRecord.status == "sent"))
            sent = {message_id(r.case_id, r.seq, r.recipient): r.attempts for r in rows}
        if expected <= set(sent):
            return sent
        if time.monotonic() > deadline:
            missing = len(expected - set(sent))
            raise AssertionError(f"{missing} not sent; worker: {stack.tail('worker')}")
        await asyncio.sleep(0.5)


def _queue_phase(stack: FaultStack, people: list[str], seq_from: int) -> set[str]:
    factory = make_session_factory(make_engine(stack.inspect_url))
    expected = set()
    for person in people:
        case_id = a_case(factory, CENTRE)
        for seq in range(seq_from, seq_from + NOTIFICATIONS):
            queue(factory, breach(case_id, person, Role.STAFF, seq=seq, rung="assignee"))
            expected.add(message_id(case_id, seq, person))
    return expected


async def test_receiver_down_then_worker_killed_mid_delivery_loses_and_doubles_nothing(
    stack: FaultStack, receivers: tuple[Mailbox, Webhook]
) -> None:
    mailbox, hook = receivers
    factory = make_session_factory(make_engine(stack.inspect_url))
    people = [
        a_person(factory, CENTRE, Role.STAFF, Contact(email=f"staff{n}@example.org"))
        if n % 2
        else a_person(factory, CENTRE, Role.STAFF, Contact(webhook=hook.url(f"p{n}")))
        for n in range(PEOPLE)
    ]

    # Phase 1: the webhook receiver is down for 30 s; email goes through meanwhile.
    hook.down = True
    first = _queue_phase(stack, people, seq_from=1)
    await asyncio.sleep(DOWN_SECONDS)
    refused_while_down = hook.refused
    hook.down = False
    await _all_sent(stack, first, within=60)

    # Phase 2: each webhook request is held; the worker is killed while one is held.
    hook.hold_seconds = 1.5
    second = _queue_phase(stack, people, seq_from=100)
    deadline = time.monotonic() + 60
    while not (hook.in_flight and len(hook.received) > NOTIFICATIONS * PEOPLE // 2 + 2):
        assert time.monotonic() < deadline, "no delivery in flight"
        await asyncio.sleep(0.05)
    in_flight_at_kill = hook.in_flight
    stack.stop("worker", signal.SIGKILL)
    await asyncio.to_thread(stack.start_worker)
    attempts = await _all_sent(stack, first | second, within=90)

    received = Counter(mailbox.ids() + hook.ids())
    expected = first | second
    lost = expected - set(received)
    strangers = set(received) - expected
    repeats = {mid: n - 1 for mid, n in received.items() if n > 1}
    SUMMARY.append(
        f"fault notify: queued {len(expected)}, delivered {len(set(received) & expected)}, "
        f"lost {len(lost)}, repeats by id {sum(repeats.values())} "
        f"(in flight at the kill {in_flight_at_kill}), refused while down {refused_while_down}"
    )
    assert not lost and not strangers
    assert refused_while_down >= 2  # the receiver really was tried while down
    # A repeat is only ever the message in flight at the kill, under its own id.
    assert sum(repeats.values()) <= in_flight_at_kill
    assert all(attempts[mid] >= 2 for mid in repeats)
