"""Holding a person while their intake is checked for duplicates and opened."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.cases.errors import DomainError
from services.cases.model import Claimant
from services.cases.names import identifier_hash
from workflows.intake_lock import INTAKE_LOCK_WORKFLOW, RELEASE, intake_lock_id

log = structlog.stdlib.get_logger(__name__)
LOCK_TTL_SECONDS = 60
WAIT_FOR_LOCK_SECONDS = 15.0


class IntakeInProgress(DomainError):
    status = 409
    code = "intake_in_progress"


@asynccontextmanager
async def person_held(
    temporal: Client, task_queue: str, claimant: Claimant, identity_key: bytes
) -> AsyncIterator[None]:
    """Wait (briefly) until no other intake of this person is running, then hold them."""
    if not claimant.national_id:
        yield
        return
    lock_id = intake_lock_id(identifier_hash(identity_key, claimant.national_id))
    handle = await _acquire(temporal, task_queue, lock_id)
    try:
        yield
    finally:
        try:
            await handle.signal(RELEASE)
        except Exception:  # it expires on its own; the intake itself is done
            log.warning("intake lock not released", lock=lock_id)


async def _acquire(temporal: Client, task_queue: str, lock_id: str) -> WorkflowHandle[None, None]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_FOR_LOCK_SECONDS
    while True:
        try:
            return await temporal.start_workflow(
                INTAKE_LOCK_WORKFLOW,
                LOCK_TTL_SECONDS,
                id=lock_id,
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            if loop.time() > deadline:
                raise IntakeInProgress(
                    "another intake of this person is in progress; retry shortly",
                    field="claimant.national_id",
                ) from None
            await asyncio.sleep(0.2)
