"""Holding a person while their intake is checked for duplicates and opened."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import structlog
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from services.cases import intake_holds
from services.cases.model import Claimant
from services.cases.names import identifier_hash
from services.kernel.errors import DomainError

log = structlog.stdlib.get_logger(__name__)
# Longer than any intake takes: a hold outlives its holder only if the holder died.
HOLD_TTL = timedelta(seconds=60)
WAIT_FOR_HOLD_SECONDS = 15.0


class IntakeInProgress(DomainError):
    code = "intake_in_progress"


@asynccontextmanager
async def person_held(
    session_factory: sessionmaker[Session], claimant: Claimant, identity_key: bytes
) -> AsyncIterator[None]:
    """Wait (briefly) until no other intake of this person is running, then hold them."""
    if not claimant.national_id:
        yield
        return
    person_hash = identifier_hash(identity_key, claimant.national_id)
    holder = str(uuid.uuid4())
    await _acquire(session_factory, person_hash, holder)
    try:
        yield
    finally:
        try:
            await run_in_threadpool(
                intake_holds.release, session_factory, person_hash=person_hash, holder=holder
            )
        except Exception:  # it expires on its own; the intake itself is done
            log.warning("intake hold not released", exc_info=True)


async def _acquire(session_factory: sessionmaker[Session], person_hash: str, holder: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_FOR_HOLD_SECONDS
    while not await run_in_threadpool(
        intake_holds.try_hold,
        session_factory,
        person_hash=person_hash,
        holder=holder,
        now=datetime.now(UTC),
        ttl=HOLD_TTL,
    ):
        if loop.time() > deadline:
            raise IntakeInProgress(
                "another intake of this person is in progress; retry shortly",
                field="claimant.national_id",
            )
        await asyncio.sleep(0.1)
