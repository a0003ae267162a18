"""Real processes for end-to-end tests: Temporal dev server, worker and API, on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from casework.dev import dev_server_command
from casework.probes import free_port, wait_for_port, wait_until_ready
from services.db import make_engine, make_session_factory, transaction
from services.kernel.actors import Role
from services.users import accounts
from services.users.model import User
from tests.conftest import TEST_IDENTITY_KEY, TEST_MASTER_KEY_RING

BIN = Path(sys.executable).parent
CENTRE = "county-centre"
TOKEN_SECRET = "e2e-token-secret-0123456789abcdefghijklmnop"
PASSWORD = "e2e-password"


def user_name(role: str, centre: str = CENTRE) -> str:
    """The user of ``role`` at ``centre`` that :meth:`Stack.headers` signs in."""
    return role if centre == CENTRE else f"{role}@{centre}"


@dataclass
class Stack:
    """Settings shared by the processes of one stack, and the processes themselves."""

    workdir: Path
    database_url: str
    temporal_port: int = field(default_factory=free_port)
    ui_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TEMPORAL_ADDRESS": self.temporal_address,
            "TEMPORAL_NAMESPACE": "default",
            "TEMPORAL_TASK_QUEUE": "casework-e2e",
            "TEMPORAL_UI_PORT": str(self.ui_port),
            "TEMPORAL_DEV_DB": str(self.workdir / "temporal.db"),
            "API_PORT": str(self.api_port),
            "CENTRE_ID": CENTRE,
            "AUTH_TOKEN_SECRET": TOKEN_SECRET,
            # Long enough for a whole session; expiry itself is tested in-process.
            "AUTH_TOKEN_MINUTES": "600",
            # Every test client comes from 127.0.0.1, and the fuzzing fails sign-ins on
            # purpose: the limits per address and in all are tested in-process.
            "AUTH_RATE_LIMIT_PER_ADDRESS": "100000",
            "AUTH_RATE_LIMIT_GLOBAL": "100000",
            "LOG_FORMAT": "json",
            "MASTER_KEYS": TEST_MASTER_KEY_RING,
            "IDENTITY_HASH_KEY": TEST_IDENTITY_KEY.decode(),
        }

    def headers(self, role: str = "staff", centre: str = CENTRE) -> dict[str, str]:
        """``Authorization`` of a user of ``role`` at ``centre``, added on first use."""
        return {"Authorization": f"Bearer {self.token(role, centre)}"}

    def add_user(self, username: str, role: str, centre: str = CENTRE) -> str:
        """A user of ``role`` at ``centre`` (added unless one of that name exists)."""
        engine = make_engine(self.database_url)
        try:
            with transaction(make_session_factory(engine)) as session:
                user = User(username=username, role=Role(role), centre=centre)
                accounts.ensure_user(session=session, user=user, password=PASSWORD)
        finally:
            engine.dispose()
        return username

    def lawyer(self, username: str, centre: str = CENTRE) -> str:
        """A lawyer a supervisor of ``centre`` may assign to its cases."""
        return self.add_user(username, "lawyer", centre)

    def token(self, role: str = "staff", centre: str = CENTRE) -> str:
        if (role, centre) not in self.tokens:
            username = self.add_user(user_name(role, centre), role, centre)
            response = httpx.post(
                f"{self.api_url}/auth/token",
                data={"username": username, "password": PASSWORD},
                timeout=30,
            )
            response.raise_for_status()
            self.tokens[role, centre] = response.json()["access_token"]
        return self.tokens[role, centre]

    def start(
        self, name: str, *command: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``command`` as process ``name``, with the stack's environment and ``env``."""
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        self.processes[name] = process
        return process

    def start_all(self) -> None:
        """Temporal, the schema migrated while the worker starts, then the API (which
        refuses to start before the tables exist: it looks for demo users in them)."""
        self.start_temporal()
        with ThreadPoolExecutor(max_workers=1) as pool:
            migrating = pool.submit(self.migrate)
            self.start_worker()
            migrating.result()
        self.start_api()

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

    def start_worker(self) -> None:
        self.start("worker", str(BIN / "casework"), "worker")

    def start_api(self) -> None:
        self.start("api", str(BIN / "casework"), "api")
        wait_until_ready(self.api_url)

    def migrate(self) -> None:
        subprocess.run(
            [str(BIN / "casework"), "db", "upgrade"], env=self.env, check=True, cwd=self.workdir
        )

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        process = self.processes.pop(name)
        process.send_signal(sig)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log_of(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")
