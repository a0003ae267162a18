"""The fault suite's tools: a stack per module, careful clients, faults, and the final count.

Every fault test drives a scenario with :class:`CarefulClient`, which sends each step with
an ``Idempotency-Key`` and a unique token in the step's ``note``, and retries transport
errors, timeouts and 5xx with the same key (bounded in attempts and in time); every
client's sign-in headers come from :func:`auth_headers`, the one place they are built.
Everything each client sent and got back is kept in a :class:`Journal`; :func:`account`
then checks it against the workflows (their ``history`` query, which
``GET /cases/{id}/history`` must agree with), the read model (``GET /cases/{id}``) and the
timeline (``case_event`` rows, straight from the database), and
:func:`assert_nothing_lost_nothing_doubled` prints the fault's one-line summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client

from activities.projection import PROJECT_CASE_EVENTS
from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from services.cases.projection import readable_payload
from services.cases.records import CaseEventRecord, CaseRecord
from services.cases.sealing import opened_column
from services.cases.steps import CaseEventBatch
from services.crypto.case_keys import case_ring
from services.db import make_engine, make_session_factory
from tests.conftest import TEST_VAULT, application_role
from tests.e2e.stack import BIN, Stack, free_port
from workflows import client as cases
from workflows.ids import case_workflow_id

PG_URL = os.environ.get("TEST_DATABASE_URL")
# Summary lines of the faults run in this session, repeated at the end of the run.
SUMMARY: list[str] = []

# A careful client: each attempt may take this long, a step at most STEP_BUDGET in all.
ATTEMPT_TIMEOUT = 20.0
STEP_BUDGET = 180.0
MAX_ATTEMPTS = 400


# --------------------------------------------------------------------------- the stack


@dataclass
class FaultStack(Stack):
    """A :class:`Stack` of its own for one test module, with the database the test reads
    directly (``inspect_url``: the real database even when the processes go through a
    proxy) and extra environment for every process."""

    inspect_url: str = ""
    backend: str = "sqlite"
    extra_env: dict[str, str] = field(default_factory=dict)
    outage: DatabaseOutage | None = None
    worker_link: TcpProxy | None = None  # the worker's way to Temporal, if through a proxy
    case_keys: DatabaseCaseKeys | None = None  # for the suite's own Temporal clients

    def start_worker(self) -> None:
        if self.worker_link is None:
            super().start_worker()
            return
        env = {**self.env, "TEMPORAL_ADDRESS": f"127.0.0.1:{self.worker_link.port}"}
        log = (self.workdir / "worker.log").open("ab")
        self.processes["worker"] = subprocess.Popen(
            [str(BIN / "casework"), "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )

    @property
    def env(self) -> dict[str, str]:
        env = {**super().env, "CLOCK_POLICY": "{}", "LOG_LEVEL": "INFO", **self.extra_env}
        # Each process of the suite imports the whole service: with bytecode cached (in the
        # session's temporary folder, never next to the sources) a start costs half as much.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(self.workdir.parent / "pycache")
        return env

    def migrate(self) -> None:
        with (self.workdir / "migrate.log").open("ab") as log:
            subprocess.run(
                [str(BIN / "casework"), "db", "upgrade"],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )

    def tail(self, name: str, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_of(name).splitlines()[-lines:])
        except OSError:
            return ""


@contextlib.contextmanager
def running_stack(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    extra_env: dict[str, str] | None = None,
    proxied: bool = False,
    worker_via_proxy: bool = False,
) -> Iterator[FaultStack]:
    """Dev server (own database file), migrations, one worker and the API, as processes.

    The read model is a fresh PostgreSQL database when ``TEST_DATABASE_URL`` is set (dropped
    afterwards), else a SQLite file in a folder of its own. With ``proxied``, the processes
    reach PostgreSQL through a :class:`TcpProxy` in this process (``stack.outage``); on
    SQLite ``stack.outage`` takes the file away instead. With ``worker_via_proxy`` the worker
    reaches Temporal through one (``stack.worker_link``)."""
    workdir = tmp_path_factory.mktemp(f"faults-{name}")
    links: list[TcpProxy] = []
    admin = pg_name = app_role = None
    stack: FaultStack | None = None
    try:
        outage: DatabaseOutage | None = None
        if PG_URL:
            backend = "postgresql"
            direct, admin, pg_name = fresh_postgres_database(PG_URL)
            # The processes connect as the application's role; `db upgrade` migrates as
            # the owner and grants that role what it may do (README "Production").
            process_url, app_role = application_role(admin, direct)
            extra_env = {**(extra_env or {}), "MIGRATION_DATABASE_URL": direct}
            if proxied:
                parsed = make_url(process_url)
                proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
                links.append(proxy)
                proxy.start()
                process_url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(
                    hide_password=False
                )
                outage = proxy
        else:
            backend = "sqlite"
            db_file = workdir / "db" / "casework.db"
            db_file.parent.mkdir()
            direct = process_url = f"sqlite:///{db_file}"
            outage = SqliteOutage(db_file) if proxied else None
        stack = FaultStack(
            workdir=workdir,
            database_url=process_url,
            inspect_url=direct,
            backend=backend,
            extra_env=extra_env or {},
            outage=outage,
        )
        if worker_via_proxy:
            stack.worker_link = TcpProxy(("127.0.0.1", stack.temporal_port))
            links.append(stack.worker_link)
            stack.worker_link.start()
        started = time.monotonic()
        stack.start_all()
        if os.environ.get("FAULTS_DETAILS"):
            print(f"  {name}: stack ({backend}) up in {time.monotonic() - started:.1f}s")
        yield stack
    finally:
        if stack is not None:
            _stop_together(stack, ["api", "worker"])
            _stop_together(stack, ["temporal"])
        for link in links:
            link.close()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
                if app_role:
                    connection.execute(text(f'DROP ROLE IF EXISTS "{app_role}"'))
            admin.dispose()


def _stop_together(stack: FaultStack, names: list[str]) -> None:
    running = [name for name in names if name in stack.processes]
    if not running:
        return
    with ThreadPoolExecutor(max_workers=len(running)) as pool:
        for done in [pool.submit(stack.stop, name, timeout=20) for name in running]:
            with contextlib.suppress(Exception):
                done.result()


def fresh_postgres_database(base_url: str) -> tuple[str, Any, str]:
    """A new, empty database on the server of ``base_url`` (as tests/conftest.py makes)."""
    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"casework_faults_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin, name


def casework(stack: FaultStack, *args: str, timeout: float = 120) -> tuple[int, str]:
    """Run the ``casework`` command with the stack's environment: exit code and output."""
    done = subprocess.run(
        [str(BIN / "casework"), *args],
        env=stack.env,
        cwd=stack.workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done.returncode, done.stdout + done.stderr


def auth_headers(stack: FaultStack, role: str = "staff") -> dict[str, str]:
    """The headers every request of the suite carries besides its own (Idempotency-Key,
    If-Match): the bearer token of a user of ``role`` at the stack's centre, signed in on
    first use. Every client of the suite takes its headers from here, and only here."""
    return stack.headers(role)


async def temporal_client(stack: FaultStack) -> Client:
    # The processes seal payloads with the test master ring (MASTER_KEYS of the stack) and
    # the case keys they keep in the database, read here straight from it (not through a
    # proxy that a fault may cut).
    if stack.case_keys is None:
        stack.case_keys = DatabaseCaseKeys(make_session_factory(make_engine(stack.inspect_url)))
    return await Client.connect(
        stack.temporal_address, data_converter=data_converter(TEST_VAULT, stack.case_keys)
    )


async def workflow_history(temporal: Client, case_id: str) -> list[dict[str, Any]]:
    """The case's accepted steps as its workflow holds them (its ``history`` query)."""
    events = await cases.run_history(temporal, case_id)
    return [event.model_dump(mode="json") for event in events]


def _outline(events: list[dict[str, Any]]) -> list[tuple[int, str, str | None]]:
    return [(e["seq"], e["step"]["kind"], e["step"].get("note")) for e in events]


async def projections_started(temporal: Client, case_ids: list[str]) -> tuple[int, int]:
    """Projection activities started and not finished over ``case_ids``, and the highest
    attempt number among the pending ones."""
    started = attempt = 0
    for case_id in case_ids:
        description = await temporal.get_workflow_handle(case_workflow_id(case_id)).describe()
        for activity in description.raw_description.pending_activities:
            if activity.activity_type.name != PROJECT_CASE_EVENTS:
                continue
            attempt = max(attempt, activity.attempt)
            if activity.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED:
                started += 1
    return started, attempt


# --------------------------------------------------------------------------- database faults


class DatabaseOutage:
    """Takes the read model's database away from the processes, and gives it back."""

    description = ""

    def cut(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        raise NotImplementedError


class TcpProxy(DatabaseOutage):
    """A TCP proxy (to PostgreSQL, or to Temporal for the worker), on its own asyncio loop in
    a thread of this process, so it keeps serving while the test blocks.

    ``cut`` drops every open connection and refuses new ones (accepts and resets them) until
    ``restore``. ``freeze`` holds what clients send (they see no error, nothing arrives)
    until ``thaw``, which drops the held bytes with their connections."""

    description = "TCP proxy to PostgreSQL resets every connection"

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.refusing = False
        self.refused = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._links: set[asyncio.WriteTransport] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="pg-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer.transport, up_writer.transport)
        self._links.update(pair)
        pipes = {
            asyncio.ensure_future(self._pipe(reader, up_writer, self._flowing)),
            asyncio.ensure_future(self._pipe(up_reader, writer)),
        }
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            for transport in pair:
                transport.abort()
                self._links.discard(transport)

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        gate: asyncio.Event | None = None,
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if gate is not None:
                    await gate.wait()
                if writer.transport.is_closing():
                    return
                writer.write(data)
                await writer.drain()

    def _call(self, action: Any) -> None:
        async def run() -> None:
            action()

        asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def cut(self) -> None:
        def cut_now() -> None:
            self.refusing = True
            for transport in list(self._links):
                transport.abort()

        self._call(cut_now)

    def restore(self) -> None:
        def restore_now() -> None:
            self.refusing = False

        self._call(restore_now)

    def freeze(self) -> None:
        self._call(self._flowing.clear)

    def thaw(self) -> None:
        def thaw_now() -> None:
            for transport in list(self._links):
                transport.abort()
            self._flowing.set()

        self._call(thaw_now)

    def close(self) -> None:
        def close_now() -> None:
            if self._server is not None:
                self._server.close()
            for transport in list(self._links):
                transport.abort()

        with contextlib.suppress(Exception):
            self._call(close_now)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


class SqliteOutage(DatabaseOutage):
    """SQLite has no connection to cut: the database's folder is renamed away (a new
    connection cannot open the file) and its write lock is held (a pooled connection
    cannot write; WAL readers still read the last committed state)."""

    description = "SQLite folder renamed away and its write lock held"

    def __init__(self, db_file: Path) -> None:
        self.db_file = db_file
        self.folder = db_file.parent
        self.away = self.folder.with_name(self.folder.name + ".away")
        self._lock: sqlite3.Connection | None = None

    def cut(self) -> None:
        self._lock = sqlite3.connect(
            self.db_file, timeout=60, isolation_level=None, check_same_thread=False
        )
        self._lock.execute("BEGIN IMMEDIATE")
        os.rename(self.folder, self.away)

    def restore(self) -> None:
        os.rename(self.away, self.folder)
        assert self._lock is not None
        self._lock.execute("ROLLBACK")
        self._lock.close()
        self._lock = None


# --------------------------------------------------------------------------- careful clients


@dataclass
class Attempt:
    status: int | None  # None: no answer (transport error or timeout)
    error: str | None = None
    body: Any = None
    location: str | None = None
    content_type: str | None = None
    etag: str | None = None


@dataclass
class Sent:
    """One request a client meant to make, with every attempt at it.

    ``token`` is unique per intended change and travels in the step's ``note`` (and, for an
    intake, in the summary): a repeat (same key, same body) carries the same token."""

    label: str
    method: str
    path: str
    body: dict[str, Any]
    key: str
    token: str
    if_match: str | None = None
    params: dict[str, str] | None = None
    case_id: str | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def status(self) -> int | None:
        """The definite answer (2xx/4xx), or None if the client gave up without one."""
        last = self.last
        if last is None or last.status is None or last.status >= 500:
            return None
        return last.status

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def rejected(self) -> bool:
        return self.status is not None and 400 <= self.status < 500

    @property
    def code(self) -> str | None:
        last = self.last
        return last.body.get("code") if last and isinstance(last.body, dict) else None

    @property
    def seq(self) -> int | None:
        """The seq the API reported for an accepted step: the item it made, or 1 for an
        intake."""
        last = self.last
        if not self.accepted or last is None:
            return None
        if self.label == "intake":
            return 1
        if last.location and (match := re.search(r"/[A-Z](\d+)$", last.location)):
            return int(match.group(1))
        return None

    def describe(self) -> str:
        tried = ", ".join(str(a.status or a.error) for a in self.attempts)
        return f"{self.method} {self.path} key={self.key} [{tried}]"


class Journal:
    """Everything sent in one fault's scenario; every token of it starts with ``run``."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.sent: list[Sent] = []

    def add(self, sent: Sent) -> Sent:
        self.sent.append(sent)
        return sent

    @property
    def answers(self) -> list[Attempt]:
        return [attempt for sent in self.sent for attempt in sent.attempts]

    def count(self, status: int | None) -> int:
        return sum(1 for attempt in self.answers if attempt.status == status)

    def details(self) -> str:
        statuses: dict[str, int] = defaultdict(int)
        for attempt in self.answers:
            statuses[str(attempt.status or attempt.error)] += 1
        retried = sum(1 for sent in self.sent if len(sent.attempts) > 1)
        return f"{len(self.sent)} requests, {retried} retried, answers {dict(statuses)}"


class CarefulClient:
    """Sends steps with their Idempotency-Key and retries (same key, same body) on transport
    errors, timeouts and 5xx, with a bounded backoff, at most ``budget`` seconds a step."""

    def __init__(
        self,
        stack: FaultStack,
        journal: Journal,
        *,
        attempt_timeout: float = ATTEMPT_TIMEOUT,
        budget: float = STEP_BUDGET,
        connections: int = 100,
        api_urls: list[str] | None = None,
    ) -> None:
        self.journal = journal
        self.attempt_timeout = attempt_timeout
        self.budget = budget
        # Several APIs: each attempt goes to the next, as a round-robin load balancer sends
        # them (a retry after a transport error lands on another one).
        self.api_urls = api_urls or [stack.api_url]
        self._turn = 0
        self.http = httpx.AsyncClient(
            base_url=stack.api_url,
            headers=auth_headers(stack, "staff"),
            timeout=attempt_timeout,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def __aenter__(self) -> CarefulClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()

    async def send(self, sent: Sent) -> Sent:
        self.journal.add(sent)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.budget
        delay = 0.2
        headers = {"Idempotency-Key": sent.key}
        if sent.if_match is not None:
            headers["If-Match"] = sent.if_match
        while True:
            self._turn += 1
            url = self.api_urls[self._turn % len(self.api_urls)] + sent.path
            try:
                response = await self.http.request(
                    sent.method, url, json=sent.body, headers=headers, params=sent.params
                )
                attempt = Attempt(
                    status=response.status_code,
                    body=_json_or_text(response),
                    location=response.headers.get("location"),
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                )
            except httpx.TransportError as error:
                attempt = Attempt(status=None, error=type(error).__name__)
            sent.attempts.append(attempt)
            if attempt.status is not None and attempt.status < 500:
                if sent.label == "intake" and sent.accepted:
                    sent.case_id = attempt.body["id"]
                return sent
            left = deadline - loop.time()
            if left <= 0 or len(sent.attempts) >= MAX_ATTEMPTS:
                return sent
            await asyncio.sleep(min(delay * random.uniform(0.5, 1.5), left))
            delay = min(delay * 2, 2.0)

    # Steps of the scenarios, each carrying its token in ``note``.

    async def open_case(
        self,
        token: str,
        *,
        needs: tuple[str, ...] = ("job_referral",),
        key: str | None = None,
        category: str = "veteran",
        phone: str | None = None,
    ) -> Sent:
        return await self.send(intake(token, needs=needs, key=key, category=category, phone=phone))

    async def step(
        self,
        label: str,
        case_id: str,
        path: str,
        body: dict[str, Any],
        token: str,
        *,
        key: str | None = None,
        if_match: str | None = None,
    ) -> Sent:
        return await self.send(
            Sent(
                label=label,
                method="POST",
                path=f"/cases/{case_id}{path}",
                body={**body, "note": token},
                key=key or f"k-{token}",
                token=token,
                if_match=if_match,
                case_id=case_id,
            )
        )

    async def accept(self, case_id: str, token: str, **options: Any) -> Sent:
        return await self.step(
            "accept", case_id, "/assessment", {"accepted": True}, token, **options
        )

    async def refer(self, case_id: str, token: str, **options: Any) -> Sent:
        body = {"employer": f"Employer {token}", "position": "Driver", "referred_on": "2026-03-02"}
        return await self.step("referral", case_id, "/referrals", body, token, **options)


def intake(
    token: str,
    *,
    needs: tuple[str, ...] = ("job_referral",),
    key: str | None = None,
    category: str = "veteran",
    phone: str | None = None,
) -> Sent:
    """An intake (POST /cases) as a :class:`Sent`; with the same token, the same request.
    With a phone, the API looks for the person's open cases in the read model first."""
    claimant = {"name": f"Claimant {token}", "category": category}
    if phone:
        claimant["phone"] = phone
    return Sent(
        label="intake",
        method="POST",
        path="/cases",
        body={
            "claimant": claimant,
            "needs": list(needs),
            "summary": f"fault suite {token}",
            "note": token,
        },
        key=key or f"open-{token}",
        token=token,
    )


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


async def ok(sent: Sent) -> Sent:
    """Set-up steps must succeed."""
    assert sent.accepted, f"set-up step failed: {sent.describe()} {sent.last}"
    return sent


@dataclass
class Read:
    phase: str
    path: str
    status: int | None
    content_type: str | None
    code: str | None


class Reader:
    """Reads ``paths`` over and over while a fault runs, noting each answer with the phase of
    the fault it came in (``reader.phase``); ``burst`` paths are read all at once, so the API
    needs more database connections than its pool keeps."""

    def __init__(self, stack: FaultStack, paths: list[str], burst: list[str] | None = None) -> None:
        self.base_url = stack.api_url
        # A supervisor may read every route the readers use (reports included).
        self.headers = auth_headers(stack, "supervisor")
        self.paths = paths
        self.burst = burst or []
        self.phase = "before"
        self.reads: list[Read] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _read(self, http: httpx.AsyncClient, path: str) -> None:
        phase = self.phase
        try:
            response = await http.get(path)
        except httpx.TransportError as error:
            self.reads.append(Read(phase, path, None, None, type(error).__name__))
            return
        content_type = response.headers.get("content-type")
        body = _json_or_text(response) if (content_type or "").endswith("json") else None
        code = body.get("code") if isinstance(body, dict) else None
        self.reads.append(Read(phase, path, response.status_code, content_type, code))

    async def _run(self) -> None:
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, timeout=60
        ) as http:

            async def again_and_again(paths: list[str]) -> None:
                while not self._stop.is_set():
                    await asyncio.gather(*(self._read(http, path) for path in paths))
                    await asyncio.sleep(0.5)

            # Each path on its own, so that a read that waits (a workflow query while the
            # server is away) does not keep the others from being read meanwhile.
            groups = [[path] for path in self.paths] + ([self.burst] if self.burst else [])
            await asyncio.gather(*(again_and_again(paths) for paths in groups))

    def wrong(self) -> list[Read]:
        """Answers other than 2xx/4xx or a 503 problem+json (a 500, no answer at all)."""
        return [
            read
            for read in self.reads
            if read.status is None
            or (
                read.status >= 500
                and (read.status != 503 or read.content_type != "application/problem+json")
            )
        ]

    def seen(self) -> str:
        counts: dict[tuple[str, str, int | None], int] = defaultdict(int)
        for read in self.reads:
            path = re.sub(r"/cases/[0-9a-f-]{36}", "/cases/{id}", read.path)
            counts[(read.phase, path, read.status)] += 1
        ordered = sorted(counts.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0))
        return ", ".join(f"{p} {path} {st or 'no answer'}: {n}" for (p, path, st), n in ordered)


# --------------------------------------------------------------------------- the accounting


@dataclass
class Account:
    name: str
    accepted: int = 0
    found: int = 0
    duplicates: int = 0
    lost: int = 0
    rejected: int = 0
    unresolved: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        return (
            f"fault {self.name}: accepted {self.accepted}, found {self.found}, "
            f"duplicates {self.duplicates}, lost {self.lost}"
        )


def _timeline(stack: FaultStack) -> tuple[dict[str, list[CaseEventRecord]], dict[str, CaseRecord]]:
    engine = make_engine(stack.inspect_url)
    try:
        with Session(engine) as session:
            rows: dict[str, list[CaseEventRecord]] = defaultdict(list)
            for row in session.scalars(
                select(CaseEventRecord).order_by(CaseEventRecord.case_id, CaseEventRecord.seq)
            ):
                rows[row.case_id].append(row)
            cases = {row.id: row for row in session.scalars(select(CaseRecord))}
            # The tokens are in the steps' notes and the cases' summaries, which are sealed:
            # opened here, on the detached rows (the session is never committed).
            session.expunge_all()
            for case_id, timeline in rows.items():
                for row in timeline:
                    row.payload = readable_payload(session, case_id, row.payload or {})
            for case_id, case in cases.items():
                ring = case_ring(session=session, case_id=case_id)
                case.summary = opened_column(case.summary, ring, case_id, "summary")
            return rows, cases
    finally:
        engine.dispose()


async def account(stack: FaultStack, journal: Journal, name: str) -> Account:
    """Every accepted step exactly once in the workflow, the read model and the timeline;
    no trace of a refused one; and the read model as a whole agrees with the workflows."""
    result = Account(name)
    problems = result.problems
    by_token: dict[str, list[Sent]] = defaultdict(list)
    for sent in journal.sent:
        by_token[sent.token].append(sent)

    rows, case_rows = await asyncio.to_thread(_timeline, stack)
    # This scenario's cases: those its clients named, and any the read model holds for it.
    case_ids = {sent.case_id for sent in journal.sent if sent.case_id}
    case_ids |= {
        case_id
        for case_id, row in case_rows.items()
        if (row.summary or "").startswith(f"fault suite {journal.run}")
    }
    case_ids |= {
        case_id
        for case_id, timeline in rows.items()
        if any(str((r.payload or {}).get("note", "")).startswith(journal.run) for r in timeline)
    }
    rows = {case_id: timeline for case_id, timeline in rows.items() if case_id in case_ids}
    case_rows = {case_id: row for case_id, row in case_rows.items() if case_id in case_ids}
    histories: dict[str, list[dict[str, Any]]] = {}
    versions: dict[str, int] = {}
    temporal = await temporal_client(stack)
    async with httpx.AsyncClient(
        base_url=stack.api_url, headers=auth_headers(stack, "staff"), timeout=60
    ) as api:
        for case_id in sorted(case_ids):
            events = await workflow_history(temporal, case_id)
            read = await api.get(f"/cases/{case_id}")
            listed = await api.get(f"/cases/{case_id}/history", params={"limit": 500})
            if read.status_code != 200 or listed.status_code != 200:
                problems.append(
                    f"case {case_id}: GET /cases/{{id}} {read.status_code}, "
                    f"GET /cases/{{id}}/history {listed.status_code}"
                )
                continue
            histories[case_id] = events
            versions[case_id] = read.json()["version"]
            listed_events = listed.json()["items"]
            if _outline(listed_events) != _outline(events):
                problems.append(
                    f"case {case_id}: GET /cases/{{id}}/history {_outline(listed_events)} but "
                    f"the workflow holds {_outline(events)}"
                )

    # Each case on its own: workflow, read model and timeline hold the same events.
    for case_id, events in histories.items():
        seqs = [event["seq"] for event in events]
        if seqs != list(range(1, len(events) + 1)):
            problems.append(f"case {case_id}: workflow seqs {seqs}")
        timeline = rows.get(case_id, [])
        if [(r.seq, r.type) for r in timeline] != [(e["seq"], e["step"]["kind"]) for e in events]:
            problems.append(
                f"case {case_id}: timeline {[(r.seq, r.type) for r in timeline]} but workflow "
                f"{[(e['seq'], e['step']['kind']) for e in events]}"
            )
        if versions[case_id] != len(events):
            problems.append(
                f"case {case_id}: read model at version {versions[case_id]}, workflow has "
                f"{len(events)} events"
            )
        row = case_rows.get(case_id)
        if row is None or row.version != len(events):
            problems.append(f"case {case_id}: cases row version {row and row.version}")

    in_history: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for case_id, events in histories.items():
        for event in events:
            note = event["step"].get("note")
            if note:
                in_history[note].append((case_id, event["seq"]))
            elif event["actor"]["role"] != "system":
                problems.append(f"case {case_id}: event {event['seq']} without a token")
    in_timeline: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for case_id, timeline in rows.items():
        for recorded in timeline:
            if note := (recorded.payload or {}).get("note"):
                in_timeline[note].append((case_id, recorded.seq))
    opened: dict[str, list[str]] = defaultdict(list)
    for case_id, case_row in case_rows.items():
        if case_row.summary and case_row.summary.startswith("fault suite "):
            opened[case_row.summary.removeprefix("fault suite ")].append(case_id)

    for token, group in by_token.items():
        accepted = [sent for sent in group if sent.accepted]
        refused = [sent for sent in group if sent.rejected]
        if any(sent.status is None for sent in group):
            result.unresolved += 1
            problems.append(
                "no definite answer: "
                + "; ".join(sent.describe() for sent in group if sent.status is None)
            )
        hist, tline = in_history.get(token, []), in_timeline.get(token, [])
        if not accepted:
            if refused:
                result.rejected += 1
            if hist or tline or opened.get(token):
                problems.append(
                    f"refused step left a trace: {refused[0].describe() if refused else token} "
                    f"workflow {hist} timeline {tline} cases {opened.get(token)}"
                )
            continue
        result.accepted += 1
        if refused:
            problems.append(
                "a repeat of an accepted step was refused: "
                + "; ".join(f"{s.describe()} {s.code}" for s in refused)
            )
        answered = {(sent.case_id, sent.seq) for sent in accepted}
        where = {(case_id, seq) for case_id, seq in hist}
        counts = [len(hist), len(tline)]
        if group[0].label == "intake":
            counts.append(len(opened.get(token, [])))
        if min(counts) == 0:
            result.lost += 1
            problems.append(
                f"lost: {accepted[0].describe()} workflow {hist} timeline {tline} "
                f"cases {opened.get(token)}"
            )
        elif max(counts) > 1:
            result.duplicates += 1
            problems.append(
                f"doubled: {accepted[0].describe()} workflow {hist} timeline {tline} "
                f"cases {opened.get(token)}"
            )
        elif sorted(hist) != sorted(tline) or any(
            seq is not None and (case_id, seq) not in where for case_id, seq in answered
        ):
            result.lost += 1
            problems.append(
                f"misplaced: {accepted[0].describe()} answered {answered}, workflow {hist}, "
                f"timeline {tline}"
            )
        elif len({case_id for case_id, _ in answered}) != 1:
            result.duplicates += 1
            problems.append(f"answered with different cases: {answered}")
        else:
            (case_id, seq) = hist[0]
            if versions.get(case_id, 0) < seq:
                result.lost += 1
                problems.append(f"not in the read model: {accepted[0].describe()} seq {seq}")
            else:
                result.found += 1
    unknown = set(in_history) - set(by_token)
    if unknown:
        problems.append(f"events no client sent: {sorted(unknown)[:5]}")
    return result


def logged_server_errors(stack: FaultStack) -> list[str]:
    """500s the API answered (also to clients that had stopped waiting) and errors it did not
    expect, from its log."""
    found = []
    for line in stack.log_of("api").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        event = str(entry.get("event", ""))
        if re.search(r'" 5(?!03)\d\d$', event) or event in (
            "unhandled error",
            "step failed unexpectedly",
        ):
            found.append(f"api log: {line[:800]}")
    return found


def server_errors(journal: Journal) -> list[str]:
    """Answers that are bugs whatever the fault: any 500, any 5xx that is not problem+json."""
    return [
        f"{sent.describe()}: {attempt.status} {attempt.content_type} {attempt.body}"
        for sent in journal.sent
        for attempt in sent.attempts
        if attempt.status is not None
        and attempt.status >= 500
        and (attempt.status != 503 or attempt.content_type != "application/problem+json")
    ]


async def projection_check(stack: FaultStack, within: float = 90) -> str:
    """``casework projection check`` until it reports no difference (work may still be in
    flight just after a fault), for at most ``within`` seconds; its last output."""
    deadline = time.monotonic() + within
    while True:
        code, output = await asyncio.to_thread(casework, stack, "projection", "check")
        last = output.strip().splitlines()[-1] if output.strip() else ""
        if (code == 0 and last == "0 difference(s)") or time.monotonic() > deadline:
            return output
        await asyncio.sleep(3)


async def assert_nothing_lost_nothing_doubled(
    stack: FaultStack, journal: Journal, name: str, *, extra: list[str] | None = None
) -> Account:
    # Work may still be in flight just after a fault (a clock's alarm, a retried batch):
    # the check is repeated until the read model has caught up, or its time is up.
    output = await projection_check(stack)
    result, (code, audit) = await asyncio.gather(
        account(stack, journal, name), asyncio.to_thread(casework, stack, "audit", "verify")
    )
    if output.strip().splitlines()[-1:] != ["0 difference(s)"]:
        result.problems.append(f"casework projection check:\n{output}")
    if code != 0:
        result.problems.append(f"casework audit verify -> {code}:\n{audit[-2000:]}")
    result.problems += [f"server error: {line}" for line in server_errors(journal)]
    result.problems += logged_server_errors(stack)
    result.problems += extra or []
    print(result.line, flush=True)
    if os.environ.get("FAULTS_DETAILS"):
        print(f"  {name}: {journal.details()}", flush=True)
    SUMMARY.append(result.line)
    assert result.accepted > 0
    assert (result.duplicates, result.lost) == (0, 0), "\n".join(result.problems[:30])
    assert result.found == result.accepted, "\n".join(result.problems[:30])
    assert not result.problems, "\n".join(result.problems[:30])
    return result


class ProjectionHold:
    """Holds the lock a projection takes first, so that projections of ``case_ids`` start and
    then wait inside their transaction: the cases rows (FOR UPDATE) on PostgreSQL; on
    SQLite its write lock, which holds every projection whatever its case."""

    def __init__(self, stack: FaultStack, case_ids: list[str]) -> None:
        self.stack = stack
        self.case_ids = case_ids
        self._sqlite: sqlite3.Connection | None = None
        self._engine: Any = None
        self._connection: Any = None

    def take(self) -> None:
        if self.stack.backend == "sqlite":
            self._sqlite = sqlite3.connect(
                self.stack.inspect_url.removeprefix("sqlite:///"),
                timeout=60,
                isolation_level=None,
                check_same_thread=False,
            )
            self._sqlite.execute("BEGIN IMMEDIATE")
            return
        self._engine = make_engine(self.stack.inspect_url)
        self._connection = self._engine.connect()
        self._connection.begin()
        self._connection.execute(
            text("SELECT id FROM cases WHERE id = ANY(:ids) FOR UPDATE"), {"ids": self.case_ids}
        )

    def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
            self._sqlite = None
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._engine.dispose()
            self._connection = self._engine = None


@contextlib.contextmanager
def projections_held(stack: FaultStack, case_ids: list[str]) -> Iterator[None]:
    hold = ProjectionHold(stack, case_ids)
    hold.take()
    try:
        yield
    finally:
        hold.release()


def timeline_size(stack: FaultStack, case_ids: list[str]) -> int:
    engine = make_engine(stack.inspect_url)
    try:
        with Session(engine) as session:
            return len(
                session.scalars(
                    select(CaseEventRecord.seq).where(CaseEventRecord.case_id.in_(case_ids))
                ).all()
            )
    finally:
        engine.dispose()


@dataclass
class ProjectionRun:
    case_id: str
    attempt: int
    events: int  # in the batch
    added: int  # new rows the completing attempt wrote


async def projection_runs(temporal: Client, case_ids: list[str]) -> list[ProjectionRun]:
    """Every completed projection activity of ``case_ids``, from the workflows' histories."""
    runs = []
    for case_id in case_ids:
        history = await temporal.get_workflow_handle(case_workflow_id(case_id)).fetch_history()
        batches: dict[int, int] = {}
        attempts: dict[int, int] = {}
        decode = temporal.data_converter.decode  # payloads are sealed
        for event in history.events:
            if event.HasField("activity_task_scheduled_event_attributes"):
                scheduled = event.activity_task_scheduled_event_attributes
                if scheduled.activity_type.name == PROJECT_CASE_EVENTS:
                    [batch] = await decode(scheduled.input.payloads, [CaseEventBatch])
                    batches[event.event_id] = len(batch.events)
            elif event.HasField("activity_task_started_event_attributes"):
                started = event.activity_task_started_event_attributes
                attempts[started.scheduled_event_id] = started.attempt
            elif event.HasField("activity_task_completed_event_attributes"):
                completed = event.activity_task_completed_event_attributes
                if completed.scheduled_event_id in batches:
                    [added] = await decode(completed.result.payloads, [int])
                    runs.append(
                        ProjectionRun(
                            case_id=case_id,
                            attempt=attempts.get(completed.scheduled_event_id, 1),
                            events=batches[completed.scheduled_event_id],
                            added=int(added),
                        )
                    )
    return runs
