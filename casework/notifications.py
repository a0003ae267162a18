"""The worker's notification dispatcher: built from the settings, run in a loop beside
the Temporal worker until the process stops."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from casework.settings import Settings
from services.notify.channels import ChannelSettings, Sender
from services.notify.delivery import RetryPolicy
from services.notify.dispatch import Dispatcher
from services.notify.render import Renderer

log = structlog.stdlib.get_logger(__name__)


def build_dispatcher(settings: Settings, session_factory: sessionmaker[Session]) -> Dispatcher:
    smtp, sms = settings.notify_smtp_url, settings.notify_sms_url
    return Dispatcher(
        session_factory,
        sender=Sender(
            ChannelSettings(
                smtp_url=smtp.get_secret_value() if smtp else None,
                sms_url=sms.get_secret_value() if sms else None,
                timeout_seconds=settings.notify_timeout_seconds,
            )
        ),
        renderer=Renderer(timezone=settings.centre_timezone, console_url=settings.console_url),
        policy=retry_policy(settings),
        departments=settings.department_contacts,
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.notify_max_attempts,
        first_wait=timedelta(seconds=settings.notify_first_retry_seconds),
        longest_wait=timedelta(seconds=settings.notify_longest_retry_seconds),
        lease=timedelta(seconds=settings.notify_lease_seconds),
    )


async def run_dispatcher(dispatcher: Dispatcher, poll_seconds: float, stop: asyncio.Event) -> None:
    """Rounds of delivery until ``stop``; a round in progress finishes first (each
    message's outcome is recorded as it is known, so a kill loses at most a claim)."""
    log.info("notification dispatcher running", poll_seconds=poll_seconds)
    while not stop.is_set():
        try:
            attempted = await asyncio.to_thread(dispatcher.run_once)
        except Exception:  # the database away, say: try again next round
            log.exception("notification round failed")
            attempted = 0
        if attempted:
            continue  # more may be due at once
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
