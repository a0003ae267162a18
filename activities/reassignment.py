"""What a reassignment does outside its workflow: list the cases to move, and move them,
each through the case's own step (its workflow checks and records it)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from services.cases.reassignment import CaseMove, CasesOf, MoveOutcome, open_cases_of
from services.db import transaction

# Cases moved at once by one activity: each move waits for its case's projection.
MOVES_AT_ONCE = 8


class CaseSteps(Protocol):
    async def reassign(self, move: CaseMove) -> MoveOutcome:
        """Take the case's reassignment step (a repeat with the same key is a no-op)."""
        ...


class ReassignmentActivities:
    def __init__(self, session_factory: sessionmaker[Session], cases: CaseSteps) -> None:
        self._session_factory = session_factory
        self._cases = cases

    @activity.defn
    def list_open_cases(self, request: CasesOf) -> list[str]:
        with transaction(self._session_factory) as session:
            return open_cases_of(session=session, request=request)

    @activity.defn
    async def move_cases(self, moves: list[CaseMove]) -> list[MoveOutcome]:
        """Move each case; safe to repeat (a case already moved by the same key answers
        with the step that moved it). Heartbeats as cases are moved, so that a worker
        killed midway is noticed in seconds and the batch retried elsewhere."""
        gate = asyncio.Semaphore(MOVES_AT_ONCE)
        finished = 0

        async def move(one: CaseMove) -> MoveOutcome:
            nonlocal finished
            async with gate:
                outcome = await self._cases.reassign(one)
            finished += 1
            activity.heartbeat(finished)
            return outcome

        return list(await asyncio.gather(*(move(one) for one in moves)))
