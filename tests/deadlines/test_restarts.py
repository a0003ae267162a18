"""A clock that falls due while the worker, or the Temporal server itself, is down is
recorded exactly once when they are back: one alarm in the case history, one escalation,
one notification.

A stack of its own (dev server with its SQLite file, worker, API) runs a policy where
the referral clock lasts 8 seconds, so real time can pass the due time while a process is
stopped."""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select

from services.db import make_engine, make_session_factory
from services.migrate import upgrade_database
from services.notify.outbox import OutboxRecord
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
T = TypeVar("T")

REFERRAL_SECONDS = 8
POLICY = {
    "legal_referral": {
        "duration": REFERRAL_SECONDS,
        "unit": "seconds",
        "escalate_every": 3600,
        "warn_hours": 0,
    }
}


class ShortClockStack(Stack):
    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "CLOCK_POLICY": json.dumps(POLICY)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShortClockStack]:
    workdir = tmp_path_factory.mktemp("short-clock-stack")
    stack = ShortClockStack(workdir=workdir, database_url=f"sqlite:///{workdir / 'casework.db'}")
    try:
        stack.start_temporal()
        upgrade_database(stack.database_url)  # in-process: one interpreter start fewer
        stack.start_worker()
        stack.start_api()
        yield stack
    finally:
        for name in ("api", "worker", "temporal"):  # clients before the server
            if name in stack.processes:
                stack.stop(name)


@pytest.fixture
def api(stack: ShortClockStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, timeout=30, headers=stack.headers()) as client:
        yield client


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def _poll(probe: Callable[[], T], check: Callable[[T], bool], *, what: str, within: float) -> T:
    deadline = time.monotonic() + within
    while True:
        try:
            value = probe()
        except (httpx.TransportError, AssertionError) as error:
            value = error  # type: ignore[assignment]
        else:
            if check(value):
                return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {value!r}")
        time.sleep(0.25)


def _record_infringement(api: httpx.Client, centre: str) -> tuple[str, dict[str, Any]]:
    intake = {
        "claimant": {"name": f"Wu {uuid.uuid4().hex[:6]}", "category": "military_family"},
        "needs": ["legal_aid"],
        "centre": centre,
    }
    case_id = _ok(api.post("/cases", json=intake))["id"]
    case = _ok(
        api.post(
            f"/cases/{case_id}/legal-matters",
            json={"infringement": "Wages withheld", "infringer": "Employer W"},
        )
    )
    (clock,) = [c for c in case["clocks"] if c["kind"] == "legal_referral"]
    assert clock["id"] == "legal_referral:M2@2"
    due = datetime.fromisoformat(clock["due_at"])
    assert due - datetime.fromisoformat(clock["started_at"]) == timedelta(seconds=REFERRAL_SECONDS)
    return case_id, clock


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _wait_past(due: datetime, margin: float = 2.0) -> None:
    time.sleep(max((due - datetime.now(UTC)).total_seconds(), 0) + margin)


def _breaches(history: list[dict[str, Any]], clock_id: str) -> list[dict[str, Any]]:
    return [
        event
        for event in history
        if event["step"]["kind"] == "clock_alarm"
        and event["target"] == clock_id
        and event["clocks"][0]["level"] >= 1
    ]


def _assert_recorded_once(
    stack: ShortClockStack,
    api: httpx.Client,
    case_id: str,
    centre: str,
    clock: dict[str, Any],
    satisfied_at: str | None = None,
) -> None:
    """One breach alarm in the history, one escalation, one notification."""
    api.headers.update(stack.headers("staff", centre))  # staff see their centre's cases
    clock_id = clock["id"]
    history = _poll(
        lambda: _ok(api.get(f"/cases/{case_id}/history"))["items"],
        lambda h: len(_breaches(h, clock_id)) >= 1,
        what=f"the breach of {clock_id}",
        within=90,
    )
    time.sleep(1.5)  # anything recorded twice would show by now
    history = _ok(api.get(f"/cases/{case_id}/history"))["items"]
    alarms = [e for e in history if e["step"]["kind"] == "clock_alarm"]
    assert [(e["target"], e["clocks"][0]["level"]) for e in alarms] == [(clock_id, 1)]
    (breach,) = alarms
    assert datetime.fromisoformat(breach["at"]) >= datetime.fromisoformat(clock["due_at"])

    escalations = _poll(
        lambda: _ok(api.get("/escalations", params={"centre": centre})),
        lambda rows: len(rows) >= 1 and _moment(rows[0]["satisfied_at"]) == _moment(satisfied_at),
        what="the escalation in the read model",
        within=30,
    )
    assert [(e["case_id"], e["clock_id"], e["level"]) for e in escalations] == [
        (case_id, clock_id, 1)
    ]

    engine = make_engine(stack.database_url)
    session_factory = make_session_factory(engine)

    def outbox() -> list[tuple[int, str, str]]:
        with session_factory() as session:
            # The clock's notices (the matter's referral letter is sent through it too).
            rows = session.scalars(
                select(OutboxRecord).where(
                    OutboxRecord.case_id == case_id, OutboxRecord.clock_id == clock_id
                )
            )
            return [(row.seq, row.clock_id, row.kind) for row in rows]

    try:
        rows = _poll(outbox, lambda rows: len(rows) >= 1, what="the notification", within=30)
        time.sleep(0.5)
        assert outbox() == rows == [(breach["seq"], clock_id, "breached")]
    finally:
        engine.dispose()


@dataclass
class Outage:
    """Two cases whose referral clocks fell due while no worker ran; for the second, a
    referral without a late reason was sent during the outage."""

    quiet: tuple[str, str, dict[str, Any]]  # case id, centre, clock
    referred: tuple[str, str, dict[str, Any]]
    referral_response: httpx.Response


def _refer(stack: ShortClockStack, case_id: str, centre: str, **extra: str) -> httpx.Response:
    headers = stack.headers("staff", centre)
    with httpx.Client(base_url=stack.api_url, timeout=120, headers=headers) as client:
        return client.post(
            f"/cases/{case_id}/legal-matters/M2/referrals",
            json={"department": "labour", "channel": "phone", **extra},
        )


@pytest.fixture(scope="module")
def worker_outage(stack: ShortClockStack) -> Outage:
    with httpx.Client(base_url=stack.api_url, timeout=30) as api:
        cases = []
        for name in ("quiet", "referred"):
            centre = f"outage-{name}-{uuid.uuid4().hex[:8]}"
            api.headers.update(stack.headers("staff", centre))
            cases.append((*_record_infringement(api, centre), centre))
        stack.stop("worker", signal.SIGKILL)
        _wait_past(max(datetime.fromisoformat(clock["due_at"]) for _, clock, _ in cases))
        for case_id, clock, centre in cases:
            # Nobody recorded the breach meanwhile: the read model has the clock on time.
            api.headers.update(stack.headers("staff", centre))
            stored = _ok(api.get(f"/cases/{case_id}"))["clocks"]
            assert [c["level"] for c in stored if c["id"] == clock["id"]] == [0]
            assert _ok(api.get("/escalations", params={"centre": centre})) == []
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Sent late, with no worker to take it: it waits for the next worker.
            referral = pool.submit(_refer, stack, cases[1][0], cases[1][2])
            time.sleep(0.5)
            stack.start_worker()
            response = referral.result(timeout=120)
    (quiet_id, quiet_clock, quiet_centre), (referred_id, referred_clock, referred_centre) = cases
    return Outage(
        quiet=(quiet_id, quiet_centre, quiet_clock),
        referred=(referred_id, referred_centre, referred_clock),
        referral_response=response,
    )


def test_a_clock_due_while_the_worker_is_down_breaches_exactly_once_when_a_worker_is_back(
    stack: ShortClockStack, api: httpx.Client, worker_outage: Outage
) -> None:
    case_id, centre, clock = worker_outage.quiet
    _assert_recorded_once(stack, api, case_id, centre, clock)


def test_a_step_sent_after_the_due_time_while_the_worker_is_down_is_judged_late(
    stack: ShortClockStack, api: httpx.Client, worker_outage: Outage
) -> None:
    case_id, centre, clock = worker_outage.referred
    refused = worker_outage.referral_response
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "late_reason_required"
    api.headers.update(stack.headers("staff", centre))
    history = _ok(api.get(f"/cases/{case_id}/history"))["items"]
    assert [e for e in history if e["step"]["kind"] == "matter_referred"] == []

    referred = _ok(_refer(stack, case_id, centre, late_reason="the worker was down"))
    (met,) = [c for c in referred["clocks"] if c["id"] == clock["id"]]
    due, satisfied = (datetime.fromisoformat(met[k]) for k in ("due_at", "satisfied_at"))
    assert met["late_by_seconds"] == int((satisfied - due).total_seconds())
    assert met["late_reason"] == "the worker was down"
    _assert_recorded_once(stack, api, case_id, centre, clock, satisfied_at=met["satisfied_at"])


def test_a_clock_due_while_the_temporal_server_is_down_breaches_exactly_once_after_restart(
    stack: ShortClockStack, api: httpx.Client
) -> None:
    centre = f"restart-server-{uuid.uuid4().hex[:8]}"
    api.headers.update(stack.headers("staff", centre))
    case_id, clock = _record_infringement(api, centre)

    stack.stop("temporal")
    _wait_past(datetime.fromisoformat(clock["due_at"]))
    (stored,) = [c for c in _ok(api.get(f"/cases/{case_id}"))["clocks"] if c["id"] == clock["id"]]
    assert stored["level"] == 0
    stack.start_temporal()  # same port, same database file

    _assert_recorded_once(stack, api, case_id, centre, clock)
