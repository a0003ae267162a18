"""A short-lived lock on a person, so that two desks cannot open duplicate cases at once.

Its id is derived from a keyed hash of the person's ID number (no personal data in it);
Temporal refuses a second running workflow with the same id, which is the lock. It
releases itself after a time-to-live if its holder never comes back.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow

INTAKE_LOCK_WORKFLOW = "IntakeLock"
RELEASE = "release"


def intake_lock_id(person_hash: str) -> str:
    return f"intake-lock-{person_hash}"


@workflow.defn(name=INTAKE_LOCK_WORKFLOW)
class IntakeLockWorkflow:
    def __init__(self) -> None:
        self._released = False

    @workflow.run
    async def run(self, ttl_seconds: int) -> None:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._released, timeout=timedelta(seconds=ttl_seconds)
            )

    @workflow.signal(name=RELEASE)
    def release(self) -> None:
        self._released = True
