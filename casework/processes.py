"""The long-running processes (API, worker) and how they start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import structlog
import uvicorn
from starlette.types import ASGIApp

from activities.deadlines import DeadlineActivities
from api.app import create_app
from casework.checks import log_operating_warnings
from casework.settings import Settings
from casework.temporal import build_worker, connect
from casework.tracing import instrument_engine
from services.db import make_engine, make_session_factory
from services.departments.referrals import Letterhead, install_letterhead

log = structlog.stdlib.get_logger(__name__)
ACTIVITY_THREADS = 10


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handling: the caller owns shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def stop_on_signals() -> asyncio.Event:
    """An event set by the first SIGINT/SIGTERM; a second one exits at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            raise SystemExit(128 + signum)
        log.info("stopping", signal=signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    return stop


def api_server_config(settings: Settings, app: ASGIApp) -> uvicorn.Config:
    """uvicorn's settings for the API: no ``server`` banner; the client's address (and
    scheme) from X-Forwarded-For (-Proto) only when the peer is a proxy named in
    FORWARDED_ALLOW_IPS, else the peer's own."""
    return uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        timeout_graceful_shutdown=20,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


async def serve_api(settings: Settings, stop: asyncio.Event) -> None:
    server = _ApiServer(api_server_config(settings, create_app(settings)))
    serving = asyncio.create_task(server.serve())
    await _first_of(serving, stop)
    server.should_exit = True
    await serving
    if not server.started:
        raise SystemExit(f"API could not listen on {settings.api_host}:{settings.api_port}")


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    engine = make_engine(settings.database_url)
    instrument_engine(engine)
    client = await connect(settings)
    session_factory = make_session_factory(engine)
    await asyncio.to_thread(log_operating_warnings, settings, session_factory)
    install_letterhead(
        Letterhead(
            centre_name=settings.centre_name or settings.centre_id,
            console_url=settings.console_url,
            timezone=settings.centre_timezone,
        )
    )
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        worker = build_worker(
            client,
            task_queue=settings.temporal_task_queue,
            session_factory=session_factory,
            identity_key=settings.identity_key(),
            deadlines=DeadlineActivities(
                session_factory,
                settings.calendar_dir,
                settings.utc_offset_minutes(),
                settings.policy(),
            ),
            activity_executor=executor,
        )
        log.info("worker polling", task_queue=settings.temporal_task_queue)
        running = asyncio.create_task(worker.run())
        dispatching = None
        if settings.notify_enabled:
            # Here, not with the module: the API imports this module too, and needs none
            # of the channels' libraries.
            from casework.notifications import build_dispatcher, run_dispatcher

            dispatcher = build_dispatcher(settings, session_factory)
            dispatching = asyncio.create_task(
                run_dispatcher(dispatcher, settings.notify_poll_seconds, stop)
            )
        await _first_of(running, stop)
        # In-flight activities finish (or are retried elsewhere after their timeout).
        await worker.shutdown()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        if dispatching is not None:
            await dispatching  # its round in progress finishes; stop is set
    engine.dispose()


async def _first_of(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if task.done() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]
