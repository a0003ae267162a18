"""The processes a benchmark runs against: one Temporal dev server (persistent database in
a temporary folder), the bare baseline's worker, and per database backend one casework
worker and one API, each on its own task queue and free port.

Modelled on tests/e2e/stack.py; the backends share the dev server so that their numbers
and the baseline's come from the same Temporal, side by side.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.generate import DEFAULT_IDENTITY_KEY
from casework.dev import dev_server_command
from casework.probes import free_port, wait_for_port, wait_until_ready
from services.crypto.cipher import KeyRing, format_key_ring, new_key
from services.db import make_engine, make_session_factory, transaction
from services.kernel.actors import Role
from services.users.accounts import ensure_user
from services.users.model import User

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
BARE_TASK_QUEUE = "bench-bare"
CENTRE = "county-centre"  # the centre of the benchmark's users (and of most generated cases)
# Who the benchmark signs in as, by role: staff take steps, supervisors read reports.
USERS = {Role.STAFF: "bench-staff", Role.SUPERVISOR: "bench-supervisor"}


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU time of a process (or of its children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # After the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
    wanted = fields[13:15] if children else fields[11:13]
    return sum(int(value) for value in wanted) / CLOCK_TICKS


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (shared with other users)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class Backend:
    """One database backend: its read model, worker and API."""

    name: str
    database_url: str
    task_queue: str
    api_port: int = field(default_factory=free_port)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def analyze(self) -> None:
        """Refresh the planner's statistics, as autovacuum would soon after a bulk load
        (PostgreSQL only: SQLite keeps none unless asked, and the project does not ask)."""
        if make_url(self.database_url).get_backend_name() == "sqlite":
            return
        engine = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text("ANALYZE"))
        finally:
            engine.dispose()

    def database_bytes(self) -> int:
        """Bytes the read model takes: live SQLite pages, or PostgreSQL relations with
        their indexes and TOAST."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite":
            with sqlite3.connect(f"file:{url.database}?mode=ro", uri=True) as db:
                pages = db.execute("PRAGMA page_count").fetchone()[0]
                free = db.execute("PRAGMA freelist_count").fetchone()[0]
                size = db.execute("PRAGMA page_size").fetchone()[0]
            return int((pages - free) * size)
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return int(
                    connection.scalar(
                        text(
                            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) "
                            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                        )
                    )
                    or 0
                )
        finally:
            engine.dispose()


@dataclass
class BenchStack:
    workdir: Path
    backends: list[Backend]
    temporal_port: int = field(default_factory=free_port)
    ui_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Made for this run only: a master ring that every process (and the loader) shares,
    # the key that signs sign-in tokens, and the benchmark users' password.
    master_keys: str = field(
        default_factory=lambda: format_key_ring(
            KeyRing(keys={"bench1": new_key()}, current="bench1")
        )
    )
    auth_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def env(self, backend: Backend | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": self.temporal_address,
            "TEMPORAL_NAMESPACE": "default",
            "TEMPORAL_UI_PORT": str(self.ui_port),
            "TEMPORAL_DEV_DB": str(self.workdir / "temporal.db"),
            "LOG_FORMAT": "json",
            "MASTER_KEYS": self.master_keys,
            "AUTH_TOKEN_SECRET": self.auth_secret,
            "AUTH_TOKEN_MINUTES": "600",  # outlasts the run: one sign-in per user
            "AUTH_RATE_LIMIT": "1000",
            "CENTRE_ID": CENTRE,
            # The key the loader (bench/generate.py) hashes identities with.
            "IDENTITY_HASH_KEY": DEFAULT_IDENTITY_KEY.decode(),
        }
        if backend is not None:
            env |= {
                "DATABASE_URL": backend.database_url,
                "TEMPORAL_TASK_QUEUE": backend.task_queue,
                "API_PORT": str(backend.api_port),
            }
        return env

    def start(self, name: str, *command: str, backend: Backend | None = None) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            command,
            env=self.env(backend),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def start_temporal(self) -> None:
        command = dev_server_command(
            self.workdir / "temporal.db",
            ip="127.0.0.1",
            port=self.temporal_port,
            ui_port=self.ui_port,
            log_level="error",
        )
        self.start("temporal", *command)
        wait_for_port(self.temporal_port)

    def start_bare_worker(self) -> None:
        self.start(
            "bare-worker",
            sys.executable, "-m", "bench.bare",
            "--address", self.temporal_address,
            "--task-queue", BARE_TASK_QUEUE,
        )  # fmt: skip

    def migrate(self, backend: Backend) -> None:
        subprocess.run(
            [str(BIN / "casework"), "db", "upgrade"],
            env=self.env(backend),
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        engine = make_engine(backend.database_url)
        try:
            with transaction(make_session_factory(engine)) as session:
                for role, username in USERS.items():
                    user = User(username=username, role=role, centre=CENTRE)
                    ensure_user(session=session, user=user, password=self.password)
        finally:
            engine.dispose()

    def start_worker(self, backend: Backend) -> None:
        self.start(f"worker-{backend.name}", str(BIN / "casework"), "worker", backend=backend)

    def start_api(self, backend: Backend) -> None:
        self.start(f"api-{backend.name}", str(BIN / "casework"), "api", backend=backend)
        wait_until_ready(backend.api_url)

    def stop(self, name: str, timeout: float = 40) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    def log_errors(self) -> dict[str, dict[str, int]]:
        """Error lines in each process's log, by their last line (the exception)."""
        found: dict[str, dict[str, int]] = {}
        for path in sorted(self.workdir.glob("*.log")):
            counts: dict[str, int] = {}
            for line in path.read_text(errors="replace").splitlines():
                if '"level": "error"' not in line and "level=ERROR" not in line:
                    continue
                try:
                    record = json.loads(line)
                    detail = (record.get("exception") or record.get("event") or "").strip()
                    key = detail.splitlines()[-1][:160] if detail else "?"
                except ValueError:
                    key = line.split("msg=", 1)[-1][:100]
                counts[key] = counts.get(key, 0) + 1
            if counts:
                found[path.stem] = counts
        return found

    def temporal_db_bytes(self) -> int:
        return sum(
            path.stat().st_size for path in self.workdir.glob("temporal.db*") if path.is_file()
        )
