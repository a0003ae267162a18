"""Projection of accepted case events into the read model and timeline."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from services.cases.numbers import NumberRequest, allocate_case_number
from services.cases.steps import CaseEventBatch
from services.db import transaction
from services.read_model import fold_case_events

# The activity's name in every case's history: it never changes.
PROJECT_CASE_EVENTS = "project_case_events"
ALLOCATE_CASE_NUMBER = "allocate_case_number"


class ProjectionActivities:
    def __init__(self, session_factory: sessionmaker[Session], identity_key: bytes) -> None:
        self._session_factory = session_factory
        self._identity_key = identity_key

    @activity.defn(name=PROJECT_CASE_EVENTS)
    def project_case_events(self, batch: CaseEventBatch) -> int:
        """One transaction; safe to repeat (idempotent on case and sequence number)."""
        with transaction(self._session_factory) as session:
            added = fold_case_events(
                session=session,
                case_id=batch.case_id,
                events=batch.events,
                identity_key=self._identity_key,
            )
        activity.logger.info(
            "case events projected", extra={"added": added, "up_to": batch.events[-1].seq}
        )
        return added

    @activity.defn(name=ALLOCATE_CASE_NUMBER)
    def allocate_case_number(self, request: NumberRequest) -> str:
        """The case's number, in one transaction; a repeat returns the same number."""
        with transaction(self._session_factory) as session:
            return allocate_case_number(session=session, request=request)
