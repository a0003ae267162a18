"""Benchmarks of casework against the bare Temporal SDK, side by side on one machine.

    .venv/bin/python -m bench.run [--quick] [--no-profile] [--keep]

Starts a Temporal dev server (persistent database in a temporary folder), the worker of
the bare baseline (bench/bare.py) and, for SQLite and (when BENCH_DATABASE_URL names an
empty PostgreSQL database) PostgreSQL, one casework worker and one API each. Then:

1. intake: POST /cases and GET /cases/{id} end to end, at 1 and 50 concurrent clients,
   against the bare SDK's update-with-start of a minimal workflow running one no-op
   activity;
2. steps: one step through the API against a bare SDK update;
3. reads: GET /cases/{id} against the workflow query, GET /cases with two filters and
   GET /reports/summary for a year, with a small and a large read model (bench/generate.py);
4. footprint: history events per step, read-model bytes per case, worker RSS per 1,000
   open cases, Temporal database bytes per case;
5. profiles (py-spy, if installed) of the API and worker on each path.

Every comparison is measured in the same run, in alternating rounds, so that the load of
a shared machine falls on both sides alike: read the ratios, not the absolute times. The
table is printed and written, with everything measured, to bench/results/*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import json
import os
import platform
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy
import temporalio
from sqlalchemy import create_engine, text
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from bench import console, generate, profiles
from bench.bare import BareWorkflow
from bench.stack import (
    BARE_TASK_QUEUE,
    ROOT,
    USERS,
    Backend,
    BenchStack,
    cpu_seconds,
    postgres_pids,
    rss_bytes,
)
from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from services.cases.steps import OpenCase
from services.crypto.cipher import parse_key_ring
from services.crypto.vault import Vault, install_vault
from services.db import make_engine, make_session_factory, transaction
from services.job_referral.model import ReferToJob
from services.kernel.actors import Actor, Role
from services.reports.tallies import compact_tallies
from workflows import client as case_workflows
from workflows.case_contract import StepRequest
from workflows.ids import case_workflow_id

RESULTS = ROOT / "bench" / "results"
STAFF = Actor(id=USERS[Role.STAFF], role=Role.STAFF)  # SDK-direct steps act as API staff
OP_TIMEOUT = 120.0
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Sizes:
    small: int = 1_000
    large: int = 100_000
    intake_1: int = 60  # operations per variant
    intake_50: int = 200
    steps: int = 100
    gets: int = 200
    lists: int = 150
    summary_max: int = 5
    summary_budget_s: float = 60.0
    open_cases: int = 400  # for worker RSS, scaled to 1,000 in the table
    step_cases: int = 50
    rounds: int = 4
    profile_ops: int = 100


QUICK = Sizes(
    small=1_000,
    large=10_000,
    intake_1=20,
    intake_50=100,
    steps=40,
    gets=60,
    lists=40,
    summary_max=3,
    summary_budget_s=10.0,
    open_cases=100,
    step_cases=20,
    rounds=2,
    profile_ops=100,
)

SMOKE = Sizes(
    small=200,
    large=400,
    intake_1=4,
    intake_50=50,
    steps=8,
    gets=10,
    lists=10,
    summary_max=1,
    summary_budget_s=1.0,
    open_cases=20,
    step_cases=4,
    rounds=2,
    profile_ops=20,
)


# --- measuring -----------------------------------------------------------------------


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process

    def merge(self, other: Run) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.wall += other.wall
        for name, seconds in other.cpu.items():
            self.cpu[name] = self.cpu.get(name, 0.0) + seconds

    def summary(self) -> dict[str, Any]:
        ops = len(self.latencies)
        cpu = {}
        if ops and self.cpu:
            cpu = {
                "cpu_ms_per_op": round(sum(self.cpu.values()) / ops * 1000, 1),
                "cpu_ms_per_op_by_process": {
                    name: round(seconds / ops * 1000, 1)
                    for name, seconds in sorted(self.cpu.items())
                    if seconds > 0
                },
            }
        return cpu | {
            "ops": ops,
            "errors": len(self.errors),
            "first_error": self.errors[0] if self.errors else None,
            "per_s": round(ops / self.wall, 2) if self.wall else None,
            "p50_ms": ms(percentile(self.latencies, 50)),
            "p95_ms": ms(percentile(self.latencies, 95)),
            "p99_ms": ms(percentile(self.latencies, 99)),
            "mean_ms": ms(sum(self.latencies) / ops) if ops else None,
            "max_ms": ms(max(self.latencies)) if ops else None,
        }


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


Op = Callable[[], Awaitable[Any]]


async def closed_loop(op: Op, n: int, concurrency: int) -> Run:
    """``concurrency`` clients, each sending its next request when the last one answered,
    until ``n`` requests were sent."""
    run = Run()
    counter = itertools.count()

    async def client() -> None:
        while next(counter) < n:
            began = time.perf_counter()
            try:
                await asyncio.wait_for(op(), OP_TIMEOUT)
            except Exception as error:
                run.errors.append(f"{type(error).__name__}: {error}"[:300])
                continue
            run.latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    run.wall = time.perf_counter() - began
    return run


async def side_by_side(
    variants: dict[str, Op], n: int, concurrency: int, rounds: int, meter: Meter | None = None
) -> dict[str, Run]:
    """Each variant ``n`` times, in ``rounds`` alternating rounds (order rotating), so
    that whatever else loads the machine falls on every variant alike. With ``meter``,
    each run also counts the CPU time the stack's processes spent on it: a cost that the
    neighbours' load does not change much, unlike the latencies."""
    runs = {name: Run() for name in variants}
    names = list(variants)
    per_round = max(1, -(-n // rounds))
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            before = meter.snapshot() if meter else {}
            run = await closed_loop(variants[name], per_round, concurrency)
            if meter:
                run.cpu = Meter.delta(before, meter.snapshot())
            runs[name].merge(run)
    return runs


class Meter:
    """CPU seconds each process of the stack spent during a phase."""

    def __init__(self, stack: BenchStack) -> None:
        self.stack = stack

    def snapshot(self) -> dict[str, tuple[int, float]]:
        taken = {
            name: (process.pid, cpu_seconds(process.pid))
            for name, process in self.stack.processes.items()
        }
        taken["bench-client"] = (os.getpid(), cpu_seconds(os.getpid()))
        # Loader processes, py-spy, and stack processes stopped meanwhile, once reaped.
        taken["bench-children"] = (os.getpid(), cpu_seconds(os.getpid(), children=True))
        if any(b.name == "postgresql" for b in self.stack.backends):
            taken["postgres (all)"] = (0, sum(cpu_seconds(pid) for pid in postgres_pids()))
        return taken

    @staticmethod
    def delta(
        before: dict[str, tuple[int, float]], after: dict[str, tuple[int, float]]
    ) -> dict[str, float]:
        """CPU seconds by process; a process restarted meanwhile counts from its start."""
        spent = {}
        for name, (pid, seconds) in after.items():
            old_pid, old_seconds = before.get(name, (pid, 0.0))
            spent[name] = round(seconds - (old_seconds if old_pid == pid else 0.0), 2)
        return spent


# --- the benchmark -------------------------------------------------------------------


class Bench:
    def __init__(
        self,
        stack: BenchStack,
        sizes: Sizes,
        profile: bool,
        end: datetime,
        reads_only: bool = False,
        footprint_only: bool = False,
        intake_only: int | None = None,
    ) -> None:
        self.stack = stack
        self.reads_only = reads_only
        self.footprint_only = footprint_only
        self.intake_only = intake_only
        self.sizes = sizes
        self.profile = profile and profiles.py_spy() is not None
        self.end = end
        self.results: dict[str, Any] = {"phases": {}, "cpu_seconds": {}, "profiles": {}}
        self.meter = Meter(stack)
        self.http: dict[str, httpx.AsyncClient] = {}
        self.ours: dict[str, Client] = {}
        self.bare: Client
        self.rng = random.Random(20261126)  # noqa: S311  (test data, not secrets)
        self.serial = itertools.count(1)
        self.step_cases: dict[str, list[str]] = {}
        self.bare_handles: list[WorkflowHandle[Any, Any]] = []
        self.tokens: dict[tuple[str, Role], str] = {}

    # connections

    async def connect(self) -> None:
        address = self.stack.temporal_address
        # Our clients seal and open payloads as the API's do: with the case keys in each
        # backend's database; the bare one has the SDK's default converter.
        vault = Vault(parse_key_ring(self.stack.master_keys))
        install_vault(vault)  # the case keys are wrapped with it
        self.bare = await Client.connect(address)
        for backend in self.stack.backends:
            keys = DatabaseCaseKeys(make_session_factory(make_engine(backend.database_url)))
            self.ours[backend.name] = await Client.connect(
                address, data_converter=data_converter(vault, keys)
            )
            self.http[backend.name] = httpx.AsyncClient(
                base_url=backend.api_url,
                timeout=OP_TIMEOUT,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            )
            for role, username in USERS.items():
                self.tokens[(backend.name, role)] = await self.sign_in(backend, username)

    async def sign_in(self, backend: Backend, username: str) -> str:
        response = await self.http[backend.name].post(
            "/auth/token", data={"username": username, "password": self.stack.password}
        )
        if response.status_code != 200:
            raise RuntimeError(f"sign-in as {username}: {response.status_code} {response.text}")
        return str(response.json()["access_token"])

    def headers(
        self, backend: Backend, role: Role = Role.STAFF, *, write: bool = False
    ) -> dict[str, str]:
        """Every request's headers, built here only: who signs in (the token of the
        benchmark's user of ``role``), and a fresh Idempotency-Key on measured writes,
        as a careful client sends."""
        headers = {"Authorization": f"Bearer {self.tokens[(backend.name, role)]}"}
        if write:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return headers

    async def close(self) -> None:
        for client in self.http.values():
            await client.aclose()

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    async def phase(self, name: str, work: Callable[[], Awaitable[Any]]) -> Any:
        self.log(f"{name} ...")
        before = self.meter.snapshot()
        began = time.perf_counter()
        result = await work()
        self.results["cpu_seconds"][name] = {
            "wall": round(time.perf_counter() - began, 2),
            **Meter.delta(before, self.meter.snapshot()),
        }
        return result

    # the operations

    def intake_body(self) -> dict[str, Any]:
        """A realistic claimant whose birth date (and so ID number) is this run's own:
        the duplicate check runs its lookups and never refuses the intake."""
        dice = generate.Dice(self.rng)
        claimant = generate.claimant(dice)
        born = date(1900, 1, 1) + timedelta(days=next(self.serial))
        claimant = claimant.model_copy(
            update={
                "birth_date": born,
                "national_id": generate.national_id(dice, born),
                "phone": f"139{self.rng.randrange(10**8):08d}",
            }
        )
        return {
            "claimant": claimant.model_dump(mode="json", exclude_none=True),
            "needs": [need.value for need in generate.needs_of(dice)],
            "summary": "Discharged last year; looking for work near home",
        }

    def api_intake(self, backend: Backend) -> Op:
        http = self.http[backend.name]

        async def op() -> str:
            response = await http.post(
                "/cases", json=self.intake_body(), headers=self.headers(backend, write=True)
            )
            if response.status_code != 201:
                raise RuntimeError(f"POST /cases {response.status_code}: {response.text[:200]}")
            case_id = response.json()["id"]
            read = await http.get(f"/cases/{case_id}", headers=self.headers(backend))
            if read.status_code != 200:
                raise RuntimeError(f"GET /cases/{case_id} {read.status_code}")
            return str(case_id)

        return op

    def api_intake_unlocked(self, backend: Backend) -> Op:
        """The same intake without an ID number: the API then takes no intake lock
        (api/intake.py), which isolates what the lock costs."""
        http = self.http[backend.name]

        async def op() -> None:
            body = self.intake_body()
            body["claimant"].pop("national_id", None)
            response = await http.post(
                "/cases", json=body, headers=self.headers(backend, write=True)
            )
            if response.status_code != 201:
                raise RuntimeError(f"POST /cases {response.status_code}: {response.text[:200]}")
            read = await http.get(f"/cases/{response.json()['id']}", headers=self.headers(backend))
            if read.status_code != 200:
                raise RuntimeError(f"GET /cases/{{id}} {read.status_code}")

        return op

    def sdk_intake(self, backend: Backend) -> Op:
        async def op() -> str:
            body = self.intake_body()
            step = OpenCase.model_validate({**body, "centre": "county-centre"})
            case_id = str(uuid.uuid4())
            await case_workflows.open_case(
                self.ours[backend.name],
                case_id,
                StepRequest(step=step, actor=STAFF),
                task_queue=backend.task_queue,
            )
            return case_id

        return op

    def bare_intake(self, local: bool = False) -> Op:
        update = BareWorkflow.open_with_local_activity if local else BareWorkflow.open

        async def op() -> str:
            workflow_id = f"bare-{uuid.uuid4()}"
            await self.bare.execute_update_with_start_workflow(
                update,
                "intake",
                start_workflow_operation=WithStartWorkflowOperation(
                    BareWorkflow.run,
                    "intake",
                    id=workflow_id,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                    task_queue=BARE_TASK_QUEUE,
                ),
            )
            return workflow_id

        return op

    def referral(self) -> dict[str, str]:
        return {
            "employer": self.rng.choice(generate.EMPLOYERS),
            "position": self.rng.choice(generate.POSITIONS),
            "referred_on": self.end.astimezone(SHANGHAI).date().isoformat(),
        }

    def api_step(self, backend: Backend) -> Op:
        http, cases = self.http[backend.name], itertools.cycle(self.step_cases[backend.name])

        async def op() -> None:
            case_id = next(cases)
            response = await http.post(
                f"/cases/{case_id}/referrals",
                json=self.referral(),
                headers=self.headers(backend, write=True),
            )
            if response.status_code != 201:
                raise RuntimeError(f"POST referral {response.status_code}: {response.text[:200]}")

        return op

    def sdk_step(self, backend: Backend) -> Op:
        case_ids = itertools.cycle(self.step_cases[backend.name])

        async def op() -> None:
            await case_workflows.apply_step(
                self.ours[backend.name],
                next(case_ids),
                StepRequest(step=ReferToJob.model_validate(self.referral()), actor=STAFF),
            )

        return op

    def bare_step(self, with_activity: bool, local: bool = False) -> Op:
        handles = itertools.cycle(self.bare_handles)
        update = BareWorkflow.step_with_activity if with_activity else BareWorkflow.step
        if local:
            update = BareWorkflow.step_with_local_activity

        async def op() -> None:
            await next(handles).execute_update(update, "step")

        return op

    def api_get(self, backend: Backend, path: str = "") -> Op:
        http, cases = self.http[backend.name], itertools.cycle(self.step_cases[backend.name])

        async def op() -> None:
            response = await http.get(f"/cases/{next(cases)}{path}", headers=self.headers(backend))
            if response.status_code != 200:
                raise RuntimeError(f"GET {response.status_code}")

        return op

    def sdk_query(self, backend: Backend) -> Op:
        case_ids = itertools.cycle(self.step_cases[backend.name])

        async def op() -> None:
            case = await case_workflows.live_case(self.ours[backend.name], next(case_ids))
            if case is None:
                raise RuntimeError("no case")

        return op

    def bare_query(self) -> Op:
        handles = itertools.cycle(self.bare_handles)

        async def op() -> None:
            await next(handles).query(BareWorkflow.state)

        return op

    def api_list(self, backend: Backend, query: str, sizes: dict[str, int]) -> Op:
        http = self.http[backend.name]

        async def op() -> None:
            response = await http.get(f"/cases?{query}", headers=self.headers(backend))
            if response.status_code != 200:
                raise RuntimeError(f"GET /cases?{query} {response.status_code}")
            sizes["items"] = len(response.json()["items"])

        return op

    def period(self) -> tuple[str, str]:
        local_end = self.end.astimezone(SHANGHAI).date()
        return (local_end - timedelta(days=365)).isoformat(), local_end.isoformat()

    def api_summary(self, backend: Backend, sizes: dict[str, Any]) -> Op:
        http = self.http[backend.name]
        period_from, period_to = self.period()

        async def op() -> None:
            response = await http.get(
                f"/reports/summary?from={period_from}&to={period_to}",
                headers=self.headers(backend, Role.SUPERVISOR),
                timeout=600,
            )
            if response.status_code != 200:
                raise RuntimeError(f"GET /reports/summary {response.status_code}")
            sizes["bytes"] = len(response.content)
            sizes["placements"] = response.json()["figures"]["placements"]["count"]

        return op

    async def time_case_ids_page(self, backend: Backend, sizes: dict[str, Any]) -> None:
        """The cases behind a figure come a page at a time: time one page of them."""
        period_from, period_to = self.period()
        began = time.perf_counter()
        page = await self.http[backend.name].get(
            f"/reports/summary/cases?figure=placements&from={period_from}&to={period_to}",
            headers=self.headers(backend, Role.SUPERVISOR),
            timeout=600,
        )
        sizes["case_ids_page_status"] = page.status_code
        sizes["case_ids_page_ms"] = round((time.perf_counter() - began) * 1000, 1)

    # phases

    async def load(self, cases: int, first_seed: int) -> dict[str, Any]:
        backends = self.stack.backends
        before = {b.name: b.database_bytes() for b in backends}
        last = [time.perf_counter()]

        def progress(stats: generate.LoadStats) -> None:
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                self.log(f"  loaded {stats.cases}/{cases} cases ({stats.cases_per_second:.0f}/s)")

        stats = await asyncio.to_thread(
            generate.load,
            [b.database_url for b in backends],
            cases=cases,
            master_keys=self.stack.master_keys,
            first_seed=first_seed,
            end=self.end,
            batch_size=500,
            processes=2,
            progress=progress,
        )
        for backend in backends:
            backend.analyze()
        after = {b.name: b.database_bytes() for b in backends}
        per_case = max(stats.cases, 1)
        return {
            "cases": stats.cases,
            "events": stats.events,
            "events_per_case": round(stats.events / per_case, 2),
            "wall_s": round(stats.wall_seconds, 1),
            "cases_per_s": round(stats.cases_per_second, 1),
            "live_ms_per_case": round(stats.live_seconds / per_case * 1000, 2),
            "project_ms_per_case": round(stats.project_seconds / per_case * 1000, 2),
            "copy_ms_per_case": {
                b.name: round(stats.write_seconds[b.database_url] / per_case * 1000, 2)
                for b in backends
            },
            "db_bytes_per_case": {
                b.name: round((after[b.name] - before[b.name]) / per_case) for b in backends
            },
            "db_bytes": after,
        }

    async def prepare_step_cases(self) -> None:
        """Active cases (intake, then accepted) to take steps on, and bare workflows."""
        for backend in self.stack.backends:
            http, ids = self.http[backend.name], []
            for _ in range(self.sizes.step_cases):
                body = self.intake_body() | {"needs": ["job_referral"]}
                created = await http.post("/cases", json=body, headers=self.headers(backend))
                created.raise_for_status()
                case_id = created.json()["id"]
                accepted = await http.post(
                    f"/cases/{case_id}/assessment",
                    json={"accepted": True},
                    headers=self.headers(backend),
                )
                accepted.raise_for_status()
                ids.append(case_id)
            self.step_cases[backend.name] = ids
        for _ in range(self.sizes.step_cases):
            workflow_id = await self.bare_intake()()
            self.bare_handles.append(self.bare.get_workflow_handle(workflow_id))

    async def warm_up(self) -> None:
        for backend in self.stack.backends:
            for op in (self.api_intake(backend), self.sdk_intake(backend)):
                await closed_loop(op, 5, 1)
        await closed_loop(self.bare_intake(), 5, 1)

    async def intake(self) -> dict[str, Any]:
        backends, sizes = self.stack.backends, self.sizes
        one: dict[str, Op] = {}
        for backend in backends:
            one[f"api:{backend.name}"] = self.api_intake(backend)
            one[f"api-no-lock:{backend.name}"] = self.api_intake_unlocked(backend)
            one[f"sdk:{backend.name}"] = self.sdk_intake(backend)
        one["bare"] = self.bare_intake()
        one["bare-local-activity"] = self.bare_intake(local=True)
        single = await side_by_side(one, sizes.intake_1, 1, sizes.rounds, self.meter)
        many_variants: dict[str, Op] = {
            f"api:{backend.name}": self.api_intake(backend) for backend in backends
        }
        many_variants["bare"] = self.bare_intake()
        many = await side_by_side(many_variants, sizes.intake_50, 50, sizes.rounds, self.meter)
        return {
            "clients_1": {name: run.summary() for name, run in single.items()},
            "clients_50": {name: run.summary() for name, run in many.items()},
        }

    async def intake_at(self, clients: int) -> dict[str, Any]:
        """Ours against the bare SDK at ``clients`` clients only, then (with --profile)
        py-spy on our API and worker while ours runs again: a profile of intake alone."""
        variants: dict[str, Op] = {
            f"api:{backend.name}": self.api_intake(backend) for backend in self.stack.backends
        }
        variants["bare"] = self.bare_intake()
        runs = await side_by_side(
            variants, self.sizes.intake_50, clients, self.sizes.rounds, self.meter
        )
        result: dict[str, Any] = {name: run.summary() for name, run in runs.items()}
        if self.profile:
            out = self.stack.workdir / "profiles"
            out.mkdir(exist_ok=True)
            for backend in self.stack.backends:
                targets = {
                    role: self.stack.pid(f"{role}-{backend.name}") for role in ("api", "worker")
                }
                files = {role: out / f"{backend.name}-intake-{role}.txt" for role in targets}
                with contextlib.ExitStack() as spies:
                    for role, pid in targets.items():
                        spies.enter_context(profiles.Profiler(pid, files[role]))
                    await closed_loop(self.api_intake(backend), self.sizes.profile_ops, clients)
                for role, path_file in files.items():
                    self.results["profiles"][f"{backend.name}:intake-{clients}:{role}"] = (
                        profiles.summarize(path_file)
                    )
        return result

    async def steps(self) -> dict[str, Any]:
        variants: dict[str, Op] = {}
        for backend in self.stack.backends:
            variants[f"api:{backend.name}"] = self.api_step(backend)
            variants[f"sdk:{backend.name}"] = self.sdk_step(backend)
        variants["bare"] = self.bare_step(with_activity=False)
        variants["bare+activity"] = self.bare_step(with_activity=True)
        variants["bare+local-activity"] = self.bare_step(with_activity=True, local=True)
        runs = await side_by_side(variants, self.sizes.steps, 1, self.sizes.rounds, self.meter)
        return {name: run.summary() for name, run in runs.items()}

    async def history(self) -> dict[str, Any]:
        """History events a step adds, counted in the workflow's history."""
        result: dict[str, Any] = {}
        steps = 5
        for backend in self.stack.backends:
            http = self.http[backend.name]
            created = await http.post(
                "/cases",
                json=self.intake_body() | {"needs": ["job_referral"]},
                headers=self.headers(backend),
            )
            created.raise_for_status()
            case_id = created.json()["id"]
            handle = self.ours[backend.name].get_workflow_handle(case_workflow_id(case_id))
            opened = await _history_events(handle)
            accept = await http.post(
                f"/cases/{case_id}/assessment",
                json={"accepted": True},
                headers=self.headers(backend),
            )
            accept.raise_for_status()
            accepted = await _history_events(handle)
            for _ in range(steps):
                step = await http.post(
                    f"/cases/{case_id}/referrals",
                    json=self.referral(),
                    headers=self.headers(backend),
                )
                step.raise_for_status()
            stepped = await _history_events(handle)
            per_step = (len(stepped) - len(accepted)) / steps
            result[backend.name] = {
                "after_intake": len(opened),
                "per_step": round(per_step, 2),
                "one_step": stepped[len(accepted) : len(accepted) + round(per_step)],
            }
        workflow_id = await self.bare_intake()()
        handle = self.bare.get_workflow_handle(workflow_id)
        opened = await _history_events(handle)
        for _ in range(steps):
            await handle.execute_update(BareWorkflow.step, "step")
        stepped = await _history_events(handle)
        for _ in range(steps):
            await handle.execute_update(BareWorkflow.step_with_activity, "step")
        with_activity = await _history_events(handle)
        for _ in range(steps):
            await handle.execute_update(BareWorkflow.step_with_local_activity, "step")
        with_local = await _history_events(handle)
        result["bare"] = {
            "after_intake": len(opened),
            "per_step": round((len(stepped) - len(opened)) / steps, 2),
            "per_step_with_activity": round((len(with_activity) - len(stepped)) / steps, 2),
            "per_step_with_local_activity": round(
                (len(with_local) - len(with_activity)) / steps, 2
            ),
        }
        return result

    async def reads(self, label: str) -> dict[str, Any]:
        sizes, backends = self.sizes, self.stack.backends
        variants: dict[str, Op] = {}
        for backend in backends:
            variants[f"get:{backend.name}"] = self.api_get(backend)
            variants[f"query:{backend.name}"] = self.sdk_query(backend)
            variants[f"api-query:{backend.name}"] = self.api_get(backend, "/tasks")
        variants["bare-query"] = self.bare_query()
        for op in variants.values():
            await closed_loop(op, 10, 1)  # warm: workflows back in the worker's cache
        single = await side_by_side(variants, sizes.gets, 1, sizes.rounds, self.meter)
        result: dict[str, Any] = {name: run.summary() for name, run in single.items()}
        shapes: dict[str, dict[str, int]] = {}
        lists: dict[str, Op] = {}
        for backend in backends:
            for key, query in (
                ("list-stage-category", "stage=active&category=veteran"),
                ("list-need-stage", "need=legal_aid&stage=active"),
            ):
                shapes[f"{key}:{backend.name}"] = {}
                lists[f"{key}:{backend.name}"] = self.api_list(
                    backend, query, shapes[f"{key}:{backend.name}"]
                )
        for op in lists.values():
            await closed_loop(op, 5, 1)
        for name, run in (
            await side_by_side(lists, sizes.lists, 1, sizes.rounds, self.meter)
        ).items():
            result[name] = run.summary() | shapes[name]
        result |= await self.console_pages()
        for backend in backends:
            # The generator copies each shard's tally rows side by side (a tally is the
            # sum of its rows); fold them into one per key, as the projection keeps them.
            engine = make_engine(backend.database_url)
            with transaction(make_session_factory(engine)) as session:
                compact_tallies(session)
            # What an operator does after a bulk load (docs/reports.md): reclaim the
            # folded rows and give the planner the table's new statistics.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
                pg = engine.dialect.name == "postgresql"
                db.exec_driver_sql("VACUUM ANALYZE report_tally" if pg else "ANALYZE")
            engine.dispose()
            shape: dict[str, Any] = {}
            op = self.api_summary(backend, shape)
            run = Run()
            spy: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
            profile_file = self.stack.workdir / "profiles" / f"{backend.name}-summary-api.txt"
            if self.profile and label == "large":
                # One call of a large report is long: profile the measured calls.
                profile_file.parent.mkdir(exist_ok=True)
                spy = profiles.Profiler(self.stack.pid(f"api-{backend.name}"), profile_file)
            began = time.perf_counter()
            with spy:
                # At least one call, then more while the budget lasts (one call of a
                # large report can take minutes).
                while len(run.latencies) + len(run.errors) < sizes.summary_max and (
                    not run.latencies or time.perf_counter() - began < sizes.summary_budget_s
                ):
                    before = self.meter.snapshot()
                    one = await closed_loop(op, 1, 1)
                    one.cpu = Meter.delta(before, self.meter.snapshot())
                    run.merge(one)
                    if one.errors:
                        break
            if self.profile and label == "large":
                self.results["profiles"][f"{backend.name}:summary:api"] = profiles.summarize(
                    profile_file
                )
            await self.time_case_ids_page(backend, shape)
            result[f"summary:{backend.name}"] = run.summary() | shape
        result["cases_in_read_model"] = {b.name: _count_cases(b) for b in backends}
        return result

    async def console_pages(self) -> dict[str, Any]:
        """Each console page a desk officer opens, timed like the JSON reads, and weighed."""
        result: dict[str, Any] = {}
        variants: dict[str, Op] = {}
        clients = []
        try:
            for backend in self.stack.backends:
                client = await console.signed_in(
                    backend.api_url, USERS[Role.STAFF], self.stack.password, OP_TIMEOUT
                )
                clients.append(client)
                for page, next_path in console.pages(self.step_cases[backend.name]).items():
                    variants[f"console:{page}:{backend.name}"] = console.page_op(client, next_path)
                    result[f"console-weight:{page}:{backend.name}"] = await console.weight(
                        client, next_path()
                    )
            for op in variants.values():
                await closed_loop(op, 5, 1)
            for name, run in (
                await side_by_side(variants, self.sizes.gets, 1, self.sizes.rounds, self.meter)
            ).items():
                result[name] = run.summary()
        finally:
            for client in clients:
                await client.aclose()
        return result

    async def footprint(self) -> dict[str, Any]:
        """Worker RSS per 1,000 open cases on a fresh worker, and what they take on disk."""
        n = self.sizes.open_cases
        result: dict[str, Any] = {"open_cases": n}
        for backend in self.stack.backends:
            name = f"worker-{backend.name}"
            self.stack.stop(name)
            self.stack.start_worker(backend)
            result[backend.name] = await self._fill(name, self.sdk_intake(backend), n, backend)
        self.stack.stop("bare-worker")
        self.stack.start_bare_worker()
        result["bare"] = await self._fill("bare-worker", self.bare_intake(), n, None)
        return result

    async def _fill(self, process: str, op: Op, n: int, backend: Backend | None) -> dict[str, Any]:
        await asyncio.sleep(3)
        warm = await closed_loop(op, 20, 5)  # imports, caches, connections
        await asyncio.sleep(2)
        pid = self.stack.pid(process)
        rss_before, temporal_before = rss_bytes(pid), self.stack.temporal_db_bytes()
        db_before = backend.database_bytes() if backend else 0
        run = await closed_loop(op, n, 20)
        await asyncio.sleep(3)
        rss_after, temporal_after = rss_bytes(pid), self.stack.temporal_db_bytes()
        db_after = backend.database_bytes() if backend else 0
        opened = len(run.latencies)
        return {
            "opened": opened,
            "errors": len(run.errors) + len(warm.errors),
            "rss_before_mb": round(rss_before / 2**20, 1),
            "rss_after_mb": round(rss_after / 2**20, 1),
            "rss_mb_per_1000_open": round((rss_after - rss_before) / 2**20 / opened * 1000, 1)
            if opened
            else None,
            "temporal_db_bytes_per_case": round((temporal_after - temporal_before) / opened)
            if opened
            else None,
            "read_model_bytes_per_intake_case": round((db_after - db_before) / opened)
            if opened and backend
            else None,
        }

    async def profile_paths(self) -> None:
        """py-spy on the API and the worker while each path runs (after the measurements:
        the sampling costs CPU)."""
        out = self.stack.workdir / "profiles"
        out.mkdir(exist_ok=True)
        n = self.sizes.profile_ops
        for backend in self.stack.backends:
            paths: list[tuple[str, Op, int, int]] = [
                ("intake-50", self.api_intake(backend), n, 50),
                ("step", self.api_step(backend), n // 3, 1),
                ("list", self.api_list(backend, "stage=active&category=veteran", {}), n, 1),
                ("get", self.api_get(backend), n, 1),
            ]
            for path, op, count, concurrency in paths:
                targets = {"api": self.stack.pid(f"api-{backend.name}")}
                if path in ("intake-50", "step"):
                    targets["worker"] = self.stack.pid(f"worker-{backend.name}")
                files = {role: out / f"{backend.name}-{path}-{role}.txt" for role in targets}
                with contextlib.ExitStack() as spies:
                    for role, pid in targets.items():
                        spies.enter_context(profiles.Profiler(pid, files[role]))
                    await closed_loop(op, count, concurrency)
                for role, path_file in files.items():
                    self.results["profiles"][f"{backend.name}:{path}:{role}"] = profiles.summarize(
                        path_file
                    )

    async def run(self) -> None:
        sizes = self.sizes
        await self.connect()
        try:
            if self.footprint_only:
                self.results["phases"]["footprint"] = await self.phase("footprint", self.footprint)
                return
            if self.intake_only:
                await self.phase("warm up", self.warm_up)
                self.results["phases"]["intake_only"] = await self.phase(
                    f"intake at {self.intake_only} clients",
                    lambda: self.intake_at(self.intake_only or 1),
                )
                return
            self.results["phases"]["load_small"] = await self.phase(
                f"load {sizes.small} cases", lambda: self.load(sizes.small, 0)
            )
            await self.phase("prepare step cases", self.prepare_step_cases)
            self.results["phases"]["reads_small"] = await self.phase(
                f"reads at {sizes.small}", lambda: self.reads("small")
            )
            if not self.reads_only:
                await self.phase("warm up", self.warm_up)
                self.results["phases"]["intake"] = await self.phase("intake", self.intake)
                self.results["phases"]["steps"] = await self.phase("steps", self.steps)
                self.results["phases"]["history"] = await self.phase("history", self.history)
                self.results["phases"]["footprint"] = await self.phase("footprint", self.footprint)
            self.results["phases"]["load_large"] = await self.phase(
                f"load up to {sizes.large} cases",
                lambda: self.load(sizes.large - sizes.small, sizes.small),
            )
            self.results["phases"]["reads_large"] = await self.phase(
                f"reads at {sizes.large}", lambda: self.reads("large")
            )
            if self.profile:
                await self.phase("profiles", self.profile_paths)
        finally:
            await self.close()


async def _history_events(handle: WorkflowHandle[Any, Any]) -> list[str]:
    await asyncio.sleep(0.5)  # the workflow task after the update's answer
    history = await handle.fetch_history()
    return [_event_name(event.event_type) for event in history.events]


def _event_name(event_type: int) -> str:
    from temporalio.api.enums.v1 import EventType

    return EventType.Name(EventType.ValueType(event_type)).removeprefix("EVENT_TYPE_")


def _count_cases(backend: Backend) -> int:
    engine = create_engine(backend.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM cases")) or 0)
    finally:
        engine.dispose()


# --- the table -----------------------------------------------------------------------


@dataclass
class Row:
    metric: str
    db: str
    ours: float | None
    baseline: float | None
    baseline_name: str
    target: str = ""
    met: bool | None = None
    unit: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return round(self.ours / self.baseline, 2)


def _get(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _check(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def build_table(results: dict[str, Any], sizes: Sizes) -> list[Row]:
    phases = results["phases"]
    rows: list[Row] = []
    names = [b["name"] for b in results["config"]["backends"]]
    small, large = f"{sizes.small / 1000:g}k", f"{sizes.large / 1000:g}k"
    for db in names:
        one = _get(phases, "intake", "clients_1") or {}
        many = _get(phases, "intake", "clients_50") or {}
        api1, api50 = one.get(f"api:{db}", {}), many.get(f"api:{db}", {})
        bare1, bare50 = one.get("bare", {}), many.get("bare", {})
        sdk1 = one.get(f"sdk:{db}", {})
        for label, ours, bare in (("1 client", api1, bare1), ("50 clients", api50, bare50)):
            row = Row(
                f"intake {label}: cases/s",
                db,
                ours.get("per_s"),
                bare.get("per_s"),
                "bare SDK",
                unit="/s",
            )
            if label == "50 clients":
                row.target, row.met = "ratio >= 0.6", _ge(row.ratio, 0.6)
            rows.append(row)
            row = Row(
                f"intake {label}: p50 ms", db, ours.get("p50_ms"), bare.get("p50_ms"), "bare SDK"
            )
            if label == "1 client":
                row.target, row.met = "ratio <= 1.5", _check(row.ratio, 1.5)
            rows.append(row)
            rows.append(
                Row(
                    f"intake {label}: p99 ms",
                    db,
                    ours.get("p99_ms"),
                    bare.get("p99_ms"),
                    "bare SDK",
                )
            )
        unlocked = one.get(f"api-no-lock:{db}", {})
        rows.append(
            Row(
                "intake CPU ms per case, with vs without intake lock",
                db,
                api1.get("cpu_ms_per_op"),
                unlocked.get("cpu_ms_per_op"),
                "API, claimant without ID number",
            )
        )
        rows.append(
            Row(
                "intake 1 client: p50 ms, with vs without intake lock",
                db,
                api1.get("p50_ms"),
                unlocked.get("p50_ms"),
                "API, claimant without ID number",
            )
        )
        rows.append(
            Row(
                "intake 1 client: p50 ms, API vs SDK-direct",
                db,
                api1.get("p50_ms"),
                sdk1.get("p50_ms"),
                "our workflow via SDK",
            )
        )
        scaling = Row(
            "intake p99 50 clients / 1 client",
            db,
            api50.get("p99_ms"),
            api1.get("p99_ms"),
            "ours at 1 client",
        )
        errors = (api1.get("errors") or 0) + (api50.get("errors") or 0)
        scaling.target = "ratio <= 5, 0 errors"
        scaling.met = None if scaling.ratio is None else scaling.ratio <= 5 and errors == 0
        scaling.unit = f"errors={errors}"
        rows.append(scaling)
        rows.append(
            Row(
                "  same for the bare SDK (context)",
                db,
                bare50.get("p99_ms"),
                bare1.get("p99_ms"),
                "bare at 1 client",
            )
        )
        steps = phases.get("steps", {})
        api_step, bare_step = steps.get(f"api:{db}", {}), steps.get("bare", {})
        rows.append(
            Row(
                "step CPU ms, all processes",
                db,
                api_step.get("cpu_ms_per_op"),
                bare_step.get("cpu_ms_per_op"),
                "bare update",
            )
        )
        rows.append(
            Row("step: p50 ms", db, api_step.get("p50_ms"), bare_step.get("p50_ms"), "bare update")
        )
        row = Row(
            "step: p99 ms",
            db,
            api_step.get("p99_ms"),
            bare_step.get("p99_ms"),
            "bare update",
            "ratio <= 2",
        )
        row.met = _check(row.ratio, 2)
        rows.append(row)
        rows.append(
            Row(
                "step: p50 ms, SDK-direct vs bare update+activity",
                db,
                _get(steps, f"sdk:{db}", "p50_ms"),
                _get(steps, "bare+activity", "p50_ms"),
                "bare update + no-op activity",
            )
        )
        for size_key, size in (("reads_small", small), ("reads_large", large)):
            reads = phases.get(size_key, {})
            row = Row(
                f"GET /cases/{{id}} p50 ms @{size}",
                db,
                _get(reads, f"get:{db}", "p50_ms"),
                _get(reads, f"query:{db}", "p50_ms"),
                "workflow query (SDK)",
                "ratio <= 0.5",
            )
            row.met = _check(row.ratio, 0.5)
            rows.append(row)
        for metric, key, limit, unit_key in (
            ("GET /cases stage+category", "list-stage-category", 50.0, "p99_ms"),
            ("GET /cases need+stage", "list-need-stage", 50.0, "p99_ms"),
            ("GET /reports/summary (year)", "summary", 500.0, "p50_ms"),
        ):
            low = phases.get("reads_small", {}).get(f"{key}:{db}", {})
            high = phases.get("reads_large", {}).get(f"{key}:{db}", {})
            for stat in ("p50_ms", "p99_ms"):
                row = Row(
                    f"{metric} {stat[:3]} ms @{large} vs @{small}",
                    db,
                    high.get(stat),
                    low.get(stat),
                    f"same @{small}",
                )
                if stat == "p50_ms":
                    row.target, row.met = "growth <= 2", _check(row.ratio, 2)
                rows.append(row)
            absolute = Row(
                f"{metric} {unit_key[:3]} ms @{large}",
                db,
                high.get(unit_key),
                None,
                "",
                f"<= {limit:g} ms (PostgreSQL @100k)",
            )
            absolute.met = _check(high.get(unit_key), limit) if db == "postgresql" else None
            rows.append(absolute)
        reads_large = phases.get("reads_large", {})
        for page in console.pages([""]):
            row = Row(
                f"console {page}: p95 ms @{large}",
                db,
                _get(reads_large, f"console:{page}:{db}", "p95_ms"),
                None,
                "",
                "<= 100 ms",
            )
            row.met = _check(row.ours, 100)
            rows.append(row)
            kilobytes = _get(reads_large, f"console-weight:{page}:{db}", "total_bytes")
            row = Row(
                f"console {page}: kB with its assets",
                db,
                None if kilobytes is None else round(kilobytes / 1000, 1),
                None,
                "",
                "<= 300 kB",
            )
            row.met = _check(row.ours, 300)
            rows.append(row)
        history = phases.get("history", {})
        rows.append(
            Row(
                "history events per step",
                db,
                _get(history, db, "per_step"),
                _get(history, "bare", "per_step"),
                "bare update",
            )
        )
        foot = phases.get("footprint", {})
        rows.append(
            Row(
                "worker RSS MB per 1000 open cases",
                db,
                _get(foot, db, "rss_mb_per_1000_open"),
                _get(foot, "bare", "rss_mb_per_1000_open"),
                "bare worker",
            )
        )
        rows.append(
            Row(
                "Temporal DB bytes per open case (approx.)",
                db,
                _get(foot, db, "temporal_db_bytes_per_case"),
                _get(foot, "bare", "temporal_db_bytes_per_case"),
                "bare workflow",
            )
        )
        rows.append(
            Row(
                "read-model bytes per intake-only case",
                db,
                _get(foot, db, "read_model_bytes_per_intake_case"),
                None,
                "",
            )
        )
        load = phases.get("load_large", {})
        rows.append(
            Row(
                f"read-model bytes per generated case ({_get(load, 'events_per_case')} events)",
                db,
                _get(load, "db_bytes_per_case", db),
                None,
                "",
            )
        )
    one = _get(phases, "intake", "clients_1") or {}
    steps = phases.get("steps", {})
    history = phases.get("history", {})
    for metric, ours, base, name in (
        ("bare intake p50 ms: activity vs local activity", _get(one, "bare", "p50_ms"),
         _get(one, "bare-local-activity", "p50_ms"), "bare, local activity"),
        ("bare intake CPU ms: activity vs local activity", _get(one, "bare", "cpu_ms_per_op"),
         _get(one, "bare-local-activity", "cpu_ms_per_op"), "bare, local activity"),
        ("bare step p50 ms: update+activity vs +local", _get(steps, "bare+activity", "p50_ms"),
         _get(steps, "bare+local-activity", "p50_ms"), "bare update + local activity"),
        ("bare step p99 ms: update+activity vs +local", _get(steps, "bare+activity", "p99_ms"),
         _get(steps, "bare+local-activity", "p99_ms"), "bare update + local activity"),
        ("bare step CPU ms: update+activity vs +local",
         _get(steps, "bare+activity", "cpu_ms_per_op"),
         _get(steps, "bare+local-activity", "cpu_ms_per_op"), "bare update + local activity"),
        ("bare history events per step: +activity vs +local",
         _get(history, "bare", "per_step_with_activity"),
         _get(history, "bare", "per_step_with_local_activity"), "bare update + local activity"),
    ):  # fmt: skip
        rows.append(Row(metric, "(bare)", ours, base, name))
    return rows


def _ge(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def format_table(rows: list[Row]) -> str:
    header = ("metric", "db", "ours", "baseline", "ratio", "target", "met", "baseline is")
    lines = [header]
    for row in rows:
        met = {True: "yes", False: "NO", None: ""}[row.met]
        lines.append(
            (
                row.metric + (f" [{row.unit}]" if row.unit.startswith("errors") else ""),
                row.db,
                _fmt(row.ours),
                _fmt(row.baseline),
                _fmt(row.ratio),
                row.target,
                met,
                row.baseline_name,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append(" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            out.append("-+-".join("-" * width for width in widths))
    return "\n".join(out)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


# --- the machine and the run ---------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(memory / 2**30, 1),
        "load_average_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "temporalio": temporalio.__version__ if hasattr(temporalio, "__version__") else "",
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "commit": _head_commit(),
    }


def _head_commit() -> str:
    """The checked-out commit, read from .git (the tree may hold uncommitted changes)."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head.removeprefix("ref: ")
        if (git / ref).exists():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return ""


def check_empty_postgres(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = str(connection.scalar(text("SHOW server_version")))
            tables = connection.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            )
    finally:
        engine.dispose()
    if tables:
        raise SystemExit(
            f"BENCH_DATABASE_URL must name an empty database; it has {tables} table(s). "
            "Create a fresh one, e.g. psql -c 'DROP DATABASE IF EXISTS casework_bench' "
            "-c 'CREATE DATABASE casework_bench'"
        )
    return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k/10k cases, fewer requests")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness")
    parser.add_argument(
        "--large",
        type=int,
        default=None,
        help="cases in the large read model (default 100,000; 10,000 with --quick)",
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="py-spy profiles of each path (default: on, off with --quick)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="only the read model at both sizes, then the profiles",
    )
    parser.add_argument(
        "--footprint-only", action="store_true", help="only worker memory and bytes per case"
    )
    parser.add_argument("--open-cases", type=int, default=None, help="cases for worker RSS")
    parser.add_argument(
        "--intake-only",
        type=int,
        default=None,
        metavar="CLIENTS",
        help="only intake at CLIENTS clients against the bare SDK (and its profile)",
    )
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else QUICK if args.quick else Sizes()
    if args.open_cases is not None:
        sizes = dataclasses.replace(sizes, open_cases=args.open_cases)
    if args.large is not None:
        sizes = dataclasses.replace(sizes, large=max(args.large, sizes.small + 1))
    args.quick = args.quick or args.smoke
    started = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="casework-bench-"))
    backends = [Backend("sqlite", f"sqlite:///{workdir / 'casework.db'}", "bench-sqlite")]
    info = machine()
    pg_url = os.environ.get("BENCH_DATABASE_URL")
    if pg_url:
        info["postgresql"] = check_empty_postgres(pg_url)
        backends.append(Backend("postgresql", pg_url, "bench-postgresql"))
    stack = BenchStack(workdir=workdir, backends=backends)
    results: dict[str, Any] = {
        "started": started.isoformat(),
        "machine": info,
        "config": {
            "quick": args.quick,
            "sizes": sizes.__dict__,
            "backends": [{"name": b.name, "task_queue": b.task_queue} for b in backends],
            "workdir": str(workdir),
        },
    }
    print(f"workdir {workdir}; backends: {', '.join(b.name for b in backends)}", flush=True)
    profile = (not args.quick) if args.profile is None else args.profile
    bench = Bench(
        stack,
        sizes,
        profile=profile,
        end=started,
        reads_only=args.reads_only,
        footprint_only=args.footprint_only,
        intake_only=args.intake_only,
    )
    try:
        stack.start_temporal()
        stack.start_bare_worker()
        for backend in backends:
            stack.migrate(backend)
            stack.start_worker(backend)
            stack.start_api(backend)
        asyncio.run(bench.run())
    finally:
        stack.stop_all()
        results |= bench.results
        results["machine"]["load_average_at_end"] = os.getloadavg()
        results["log_errors"] = stack.log_errors()
        results["wall_s"] = round((datetime.now(UTC) - started).total_seconds(), 1)
        # --intake-only prints its JSON figures only: the table's rows need every phase.
        full = results.get("phases") and not args.intake_only
        table = build_table(results, sizes) if full else []
        results["table"] = [row.__dict__ | {"ratio": row.ratio} for row in table]
        RESULTS.mkdir(parents=True, exist_ok=True)
        suffix = ("-quick" if args.quick else "") + ("-reads" if args.reads_only else "")
        suffix += "-footprint" if args.footprint_only else ""
        suffix += f"-intake{args.intake_only}" if args.intake_only else ""
        name = started.strftime("%Y%m%dT%H%M%SZ") + suffix + ".json"
        (RESULTS / name).write_text(json.dumps(results, indent=2, default=str))
        if table:
            print()
            print(format_table(table))
        print(f"\nresults: {RESULTS / name}  (wall {results['wall_s']} s)")
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
