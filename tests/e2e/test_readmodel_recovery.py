"""The read model after failures: a worker killed mid-stream, and a rebuild from the workflows.

These tests run on a stack of their own (dev server, worker, API, SQLite file) because they
kill processes and rewrite the read model: the session's shared stack is left alone.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client

from activities.projection import PROJECT_CASE_EVENTS
from services.cases.audit import verify_case
from services.cases.projection import (
    SEALED_COLUMNS,
    readable_clocks,
    readable_document,
    readable_payload,
)
from services.cases.records import CaseEventRecord, CaseNeedRecord, CaseRecord, CaseTaskRecord
from services.cases.sealing import opened_column
from services.crypto.case_keys import case_ring
from services.crypto.records import CaseKeyRecord
from services.db import make_engine, make_session_factory
from services.departments.records import ReferralLetterRecord
from tests.e2e.stack import BIN, Stack
from workflows.ids import case_workflow_id

pytestmark = [pytest.mark.e2e, pytest.mark.long]
T = TypeVar("T")

CASES = 4
LANES_PER_CASE = 3
STEPS_PER_LANE = 4
KILL_AFTER = 10  # completed steps before the worker is killed
# The projection activity's start-to-close timeout is 30 s: a batch lost with the killed
# worker is retried only after that, so clients must wait well beyond it.
STEP_DEADLINE = 150.0


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("recovery-stack")
    stack = Stack(workdir=workdir, database_url=f"sqlite:///{workdir / 'casework.db'}")
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop_all()


def casework(stack: Stack, *args: str, database_url: str | None = None) -> tuple[int, str]:
    """Run the ``casework`` command with the stack's settings; its exit code and standard
    output (its standard error is printed, so a failing test shows it)."""
    env = {**stack.env, **({"DATABASE_URL": database_url} if database_url else {})}
    done = subprocess.run(
        [str(BIN / "casework"), *args],
        env=env,
        cwd=stack.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(f"$ casework {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}")
    return done.returncode, done.stdout


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


def _open_active_case(client: httpx.Client, marker: str, **claimant: Any) -> str:
    case = _ok(
        client.post(
            "/cases",
            params={"confirm_new": "true"},
            json={
                "claimant": {"name": f"Zhao {marker}", "category": "veteran", **claimant},
                "needs": ["job_referral"],
                "summary": f"recovery {marker}",
            },
        )
    )
    _ok(client.post(f"/cases/{case['id']}/assessment", json={"accepted": True}))
    return str(case["id"])


async def _send_until_answered(api: httpx.AsyncClient, case_id: str, note: str) -> int:
    """POST one referral as a careful client does: retry 5xx and timeouts with the same
    Idempotency-Key until a definite answer (or the deadline); return the final status."""
    body = {
        "employer": f"Employer {note}",
        "position": "Driver",
        "referred_on": "2026-03-02",
        "note": note,
    }
    deadline = time.monotonic() + STEP_DEADLINE
    status = 0
    while time.monotonic() < deadline:
        try:
            response = await api.post(
                f"/cases/{case_id}/referrals", json=body, headers={"Idempotency-Key": note}
            )
            status = response.status_code
            if status < 500:
                return status
        except httpx.TransportError:
            status = 0
        await asyncio.sleep(0.5)
    return status


def _sqlite_path(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


def _timeline_rows(stack: Stack, case_id: str) -> list[CaseEventRecord]:
    engine = make_engine(stack.database_url)
    try:
        with Session(engine) as session:
            rows = list(
                session.scalars(
                    select(CaseEventRecord)
                    .where(CaseEventRecord.case_id == case_id)
                    .order_by(CaseEventRecord.seq)
                )
            )
            session.expunge_all()  # opened below, never written back
            for row in rows:  # notes are sealed: read them opened
                row.payload = readable_payload(session, case_id, row.payload)
            return rows
    finally:
        engine.dispose()


async def _projections_in_flight(temporal: Client, case_ids: list[str]) -> int:
    """Projection activities a worker has started and not yet finished, over ``case_ids``."""
    started = 0
    for case_id in case_ids:
        description = await temporal.get_workflow_handle(case_workflow_id(case_id)).describe()
        started += sum(
            1
            for activity in description.raw_description.pending_activities
            if activity.activity_type.name == PROJECT_CASE_EVENTS
            and activity.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        )
    return started


async def test_steps_in_flight_when_the_worker_is_killed_are_projected_exactly_once_after_restart(
    own_stack: Stack,
) -> None:
    marker = uuid.uuid4().hex[:10]
    with httpx.Client(
        base_url=own_stack.api_url, timeout=60, headers=own_stack.headers()
    ) as client:
        case_ids = [_open_active_case(client, f"{marker}-{n}") for n in range(CASES)]
    temporal = await Client.connect(own_stack.temporal_address)

    answered: dict[str, tuple[str, int]] = {}  # note -> (case id, final status)
    streaming = asyncio.Event()

    async def lane(api: httpx.AsyncClient, case_id: str, lane_no: int) -> None:
        for step_no in range(STEPS_PER_LANE):
            note = f"{marker}.{case_id[:8]}.{lane_no}.{step_no}"
            answered[note] = (case_id, await _send_until_answered(api, case_id, note))
            if len(answered) >= KILL_AFTER:
                streaming.set()

    async with httpx.AsyncClient(
        base_url=own_stack.api_url, timeout=60, headers=own_stack.headers()
    ) as api:
        lanes = [
            asyncio.create_task(lane(api, case_id, lane_no))
            for case_id in case_ids
            for lane_no in range(LANES_PER_CASE)
        ]
        await asyncio.wait_for(streaming.wait(), timeout=60)
        # Hold the database's write lock: the worker's projections start, then wait on it
        # (inside their transaction) until the worker dies under them.
        lock = sqlite3.connect(_sqlite_path(own_stack.database_url), isolation_level=None)
        try:
            lock.execute("BEGIN IMMEDIATE")
            in_flight = 0
            for _ in range(50):
                in_flight = await _projections_in_flight(temporal, case_ids)
                if in_flight >= CASES:
                    break
                await asyncio.sleep(0.2)
            answered_before_kill = len(answered)
            own_stack.stop("worker", signal.SIGKILL)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        own_stack.start_worker()
        try:
            await asyncio.wait_for(asyncio.gather(*lanes), timeout=STEP_DEADLINE + 60)
        except TimeoutError:
            problems = [line for line in own_stack.log_of("worker").splitlines() if "error" in line]
            raise AssertionError(
                f"{len(answered)} steps answered; worker errors: {problems[-3:]}"
            ) from None

        total = CASES * LANES_PER_CASE * STEPS_PER_LANE
        assert in_flight >= 1, "no projection was running when the worker was killed"
        assert answered_before_kill < total, "the worker was killed after the stream ended"
        statuses = {note: status for note, (_, status) in answered.items()}
        assert len(statuses) == total
        assert all(status == 201 for status in statuses.values()), statuses

        for case_id in case_ids:
            history = (await api.get(f"/cases/{case_id}/history")).json()["items"]
            rows = _timeline_rows(own_stack, case_id)
            seqs = [row.seq for row in rows]
            assert seqs == list(range(1, len(rows) + 1)), f"gaps or repeats in {case_id}: {seqs}"
            assert len(rows) == len(history)
            assert [row.type for row in rows] == [event["step"]["kind"] for event in history]
            notes = [row.payload.get("note") for row in rows if row.type == "job_referred"]
            for note, (owner, status) in answered.items():
                if owner == case_id and 200 <= status < 300:
                    assert notes.count(note) == 1, f"step {note} recorded {notes.count(note)}x"
            assert len(notes) == LANES_PER_CASE * STEPS_PER_LANE
            case = (await api.get(f"/cases/{case_id}")).json()
            assert case["version"] == len(rows)
            assert len(case["referrals"]) == LANES_PER_CASE * STEPS_PER_LANE
            verification = (await api.get(f"/cases/{case_id}/timeline/verify")).json()
            assert verification == {
                "case_id": case_id,
                "ok": True,
                "events_checked": len(rows),
                "first_broken_seq": None,
                "problem": None,
            }


@pytest.fixture(scope="module")
def scenario(own_stack: Stack) -> dict[str, str]:
    """Cases in different shapes on the stack of this module, by name: ``legal`` (legal aid,
    lawyer, a matter referred to two departments: the labour bureau's progress reported,
    the justice bureau's link revoked and issued anew, its acknowledgement still owed),
    ``closed`` and ``active`` (a job referral, an identified claimant)."""
    marker = uuid.uuid4().hex[:10]
    with httpx.Client(
        base_url=own_stack.api_url, timeout=60, headers=own_stack.headers()
    ) as client:
        legal = _ok(
            client.post(
                "/cases",
                params={"confirm_new": "true"},
                json={
                    "claimant": {
                        "name": "刘洋",
                        "category": "martyr_family",
                        "phone": "13912345678",
                    },
                    "needs": ["legal_aid", "fee_relief"],
                    "summary": f"rebuild {marker}",
                },
            )
        )["id"]
        _ok(
            client.post(
                f"/cases/{legal}/lawyer",
                json={"lawyer": own_stack.lawyer(f"lawyer-{marker}")},
                headers=own_stack.headers("supervisor"),
            )
        )
        matter = client.post(
            f"/cases/{legal}/legal-matters",
            json={"infringement": "pension withheld", "infringer": "Former employer"},
        )
        matter_id = matter.headers["location"].rsplit("/", 1)[1]
        _ok(
            client.post(
                f"/cases/{legal}/legal-matters/{matter_id}/referrals",
                json={"department": "justice", "channel": "online", "reference": marker},
            )
        )
        on_matter = f"/cases/{legal}/legal-matters/{matter_id}"
        for path, body in (
            ("referrals", {"department": "labour", "channel": "letter"}),
            ("acknowledgements", {"department": "labour", "reference": "LB-1"}),
            ("progress", {"department": "labour", "stage": "investigating", "note": "已约谈"}),
            ("link-revocations", {"department": "justice", "reason": "误寄"}),
            ("link-reissues", {"department": "justice"}),
        ):
            _ok(client.post(f"{on_matter}/{path}", json=body))
        closed = _open_active_case(client, f"{marker}-closed")
        _ok(client.post(f"/cases/{closed}/close", json={"outcome": "served", "reason": "done"}))
        active = _open_active_case(client, f"{marker}-active", national_id="11010519491231002X")
        _ok(
            client.post(
                f"/cases/{active}/referrals",
                json={"employer": "Depot", "position": "Driver", "referred_on": "2026-03-02"},
            )
        )
    return {"legal": legal, "closed": closed, "active": active}


def _read_model(database_url: str) -> dict[str, dict[str, Any]]:
    """Everything the read model holds per case: row, needs, open tasks, timeline."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            model: dict[str, dict[str, Any]] = {}
            for row in session.scalars(select(CaseRecord)):
                # Sealed fields compare by what they hold: each write seals with a new nonce.
                ring = case_ring(session=session, case_id=row.id)
                model[row.id] = {
                    "row": {c.key: getattr(row, c.key) for c in CaseRecord.__table__.columns}
                    | {"document": readable_document(session, row.document)}
                    | {
                        column: opened_column(getattr(row, column), ring, row.id, column)
                        for column in SEALED_COLUMNS
                    },
                    "needs": set(
                        session.scalars(
                            select(CaseNeedRecord.need).where(CaseNeedRecord.case_id == row.id)
                        )
                    ),
                    "tasks": sorted(
                        (task.kind, task.target or "", task.assignee or "", task.role, task.since)
                        for task in session.scalars(
                            select(CaseTaskRecord).where(CaseTaskRecord.case_id == row.id)
                        )
                    ),
                    "timeline": [
                        {
                            c.key: getattr(event, c.key)
                            for c in CaseEventRecord.__table__.columns
                            if c.key not in ("hash", "prev_hash")  # over the sealed form
                        }
                        | {"payload": readable_payload(session, row.id, event.payload)}
                        | {"clocks": readable_clocks(session, row.id, event.clocks)}
                        for event in session.scalars(
                            select(CaseEventRecord)
                            .where(CaseEventRecord.case_id == row.id)
                            .order_by(CaseEventRecord.seq)
                        )
                    ],
                    "chain_holds": verify_case(session=session, case_id=row.id).ok,
                    # Made again on a rebuild: the same letters (their links, and so their
                    # bytes, are signed anew).
                    "letters": sorted(
                        (letter.seq, letter.matter_id, letter.department, letter.reference)
                        for letter in session.scalars(
                            select(ReferralLetterRecord).where(
                                ReferralLetterRecord.case_id == row.id
                            )
                        )
                    ),
                }
            return model
    finally:
        engine.dispose()


def _copy_case_keys(source_url: str, target_url: str) -> None:
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        with source.connect() as connection:
            keys = [dict(row._mapping) for row in connection.execute(select(CaseKeyRecord))]
        with target.begin() as connection:
            connection.execute(insert(CaseKeyRecord), keys)
    finally:
        source.dispose()
        target.dispose()


def _in_parallel(*calls: Callable[[], T]) -> list[T]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def _execute(database_url: str, statement: str, **params: Any) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            assert connection.execute(text(statement), params).rowcount == 1
    finally:
        engine.dispose()


def test_rebuild_into_an_empty_database_reproduces_the_live_read_model(
    own_stack: Stack, scenario: dict[str, str], tmp_path: Path
) -> None:
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    (check_code, check_output), (upgrade_code, upgrade_output) = _in_parallel(
        lambda: casework(own_stack, "projection", "check"),
        lambda: casework(own_stack, "db", "upgrade", database_url=rebuilt_url),
    )
    assert check_code == 0, check_output
    assert check_output.strip().splitlines()[-1] == "0 difference(s)"
    assert upgrade_code == 0, upgrade_output
    # The case keys are key material, kept (and backed up) apart from what is rebuilt:
    # without them the cases' Temporal payloads, sealed with those keys, do not open.
    _copy_case_keys(own_stack.database_url, rebuilt_url)

    code, output = casework(own_stack, "projection", "rebuild", database_url=rebuilt_url)

    assert code == 0, output
    live = _read_model(own_stack.database_url)
    rebuilt = _read_model(rebuilt_url)
    assert set(scenario.values()) <= set(live)
    assert f"rebuilt {len(live)} case(s)" in output
    assert set(rebuilt) == set(live)
    for case_id in live:
        assert rebuilt[case_id] == live[case_id], f"case {case_id} differs after rebuild"


def test_check_names_each_case_whose_row_drifted_and_rebuild_repairs_them(
    own_stack: Stack, scenario: dict[str, str]
) -> None:
    edited_document, edited_column = scenario["active"], scenario["legal"]
    before = _read_model(own_stack.database_url)
    _execute(
        own_stack.database_url,
        "UPDATE cases SET document = json_set(document, '$.stage', 'closed') WHERE id = :id",
        id=edited_document,
    )
    _execute(
        own_stack.database_url,
        "UPDATE cases SET stage = 'closed' WHERE id = :id",
        id=edited_column,
    )
    with httpx.Client(
        base_url=own_stack.api_url, timeout=60, headers=own_stack.headers()
    ) as client:
        assert _ok(client.get(f"/cases/{edited_document}"))["stage"] == "closed"
        closed = _ok(client.get("/cases", params={"stage": "closed", "limit": 100}))
        assert edited_column in {item["id"] for item in closed["items"]}

        code, output = casework(own_stack, "projection", "check")

        assert code == 1, output
        lines = output.strip().splitlines()
        assert lines[-1] == "2 difference(s)"
        [document_drift] = [line for line in lines if line.startswith(edited_document)]
        [column_drift] = [line for line in lines if line.startswith(edited_column)]
        assert "differs in:" in document_drift
        assert "differs in:" in column_drift and "stage" in column_drift
        code, output = casework(own_stack, "projection", "rebuild")
        assert code == 0, output
        assert _read_model(own_stack.database_url) == before
        assert _ok(client.get(f"/cases/{edited_document}"))["stage"] == "active"
        closed = _ok(client.get("/cases", params={"stage": "closed", "limit": 100}))
        assert edited_column not in {item["id"] for item in closed["items"]}
    code, output = casework(own_stack, "projection", "check")
    assert code == 0, output
    assert output.strip().splitlines()[-1] == "0 difference(s)"


def test_check_names_cases_whose_need_or_task_rows_drifted_and_rebuild_repairs_them(
    own_stack: Stack, scenario: dict[str, str]
) -> None:
    extra_need, lost_task = scenario["closed"], scenario["legal"]
    before = _read_model(own_stack.database_url)
    # Listed under a need it does not have: GET /cases?need=startup_aid shows it.
    _execute(
        own_stack.database_url,
        "INSERT INTO case_need (case_id, need) VALUES (:id, 'startup_aid')",
        id=extra_need,
    )
    # Its lawyer's open task gone: GET /tasks?assignee=... no longer shows it.
    _execute(
        own_stack.database_url,
        "DELETE FROM case_task WHERE case_id = :id AND kind = 'chase_acknowledgement'",
        id=lost_task,
    )
    try:
        code, output = casework(own_stack, "projection", "check")

        assert code == 1, output
        # The drifted cases, one a line, between the count of stuck cases and the total.
        named = {
            line.split()[0]
            for line in output.strip().splitlines()[:-1]
            if not line.endswith("once the cause is mended)")
        }
        assert named == {extra_need, lost_task}, output
        code, output = casework(own_stack, "projection", "rebuild")
        assert code == 0, output
        assert _read_model(own_stack.database_url) == before
    finally:  # leave no drift behind, whatever the outcome
        if _read_model(own_stack.database_url) != before:
            _execute(
                own_stack.database_url,
                "DELETE FROM case_need WHERE case_id = :id AND need = 'startup_aid'",
                id=extra_need,
            )
            casework(own_stack, "projection", "rebuild")
