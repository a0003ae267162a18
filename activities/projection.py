"""Projection of accepted case events into the read model and timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.cases import stuck
from services.cases.numbers import (
    CASE_NUMBER_FAILED,
    NumberRequest,
    allocate_case_number,
    given_number,
)
from services.cases.steps import CaseEventBatch
from services.db import transaction
from services.read_model import fold_case_events

# The activity's name in every case's history: it never changes.
PROJECT_CASE_EVENTS = "project_case_events"
log = structlog.stdlib.get_logger(__name__)
ALLOCATE_CASE_NUMBER = "allocate_case_number"


class ProjectionActivities:
    def __init__(self, session_factory: sessionmaker[Session], identity_key: bytes) -> None:
        self._session_factory = session_factory
        self._identity_key = identity_key

    @activity.defn(name=PROJECT_CASE_EVENTS)
    def project_case_events(self, batch: CaseEventBatch) -> int:
        """One transaction; safe to repeat (idempotent on case and sequence number).

        A transient error is raised as it is (retried); any other is recorded as the
        case's projection failure and raised as not retryable, so that the case knows
        it is stuck rather than retrying for ever."""
        try:
            with transaction(self._session_factory) as session:
                added = fold_case_events(
                    session=session,
                    case_id=batch.case_id,
                    events=batch.events,
                    identity_key=self._identity_key,
                )
                if batch.after_failure:
                    stuck.clear_failure(session=session, case_id=batch.case_id)
        except Exception as error:
            if stuck.is_transient(error):
                raise
            raise self._stuck(batch, error) from None
        activity.logger.info(
            "case events projected", extra={"added": added, "up_to": batch.events[-1].seq}
        )
        return added

    def _stuck(self, batch: CaseEventBatch, error: Exception) -> ApplicationError:
        reason = stuck.describe(error)
        seq = batch.events[0].seq
        # Recorded apart from the failed transaction; if even that fails, the database is
        # the problem, and the original error is retried.
        with transaction(self._session_factory) as session:
            stuck.record_failure(
                session=session,
                case_id=batch.case_id,
                seq=seq,
                error=reason,
                now=datetime.now(UTC),
            )
        log.error(
            "case projection failed; the case is stuck until `casework projection retry`",
            case_id=batch.case_id,
            seq=seq,
            error=reason,
        )
        return ApplicationError(
            reason,
            {"case_id": batch.case_id, "seq": seq},
            type=stuck.PROJECTION_FAILED,
            non_retryable=True,
        )

    @activity.defn(name=ALLOCATE_CASE_NUMBER)
    def allocate_case_number(self, request: NumberRequest) -> str:
        """The case's number, in one transaction; a repeat returns the same number.

        Errors are told apart as the projection's are: a transient one is raised as it
        is (retried). Any other is retried never: a repeat that lost the race to its twin
        (the case's number taken meanwhile) reads the number its twin took, and what is
        left will fail again the same way (a centre the database refuses), so it is
        logged and raised as not retryable, and the intake is refused at once rather
        than waiting for ever."""
        try:
            with transaction(self._session_factory) as session:
                return allocate_case_number(session=session, request=request)
        except Exception as error:
            if stuck.is_transient(error):
                raise
            # If even this read fails, the database is the problem: that error is retried.
            with transaction(self._session_factory) as session:
                given = given_number(session=session, case_id=request.case_id)
            if given is not None:
                return given
            raise self._unnumbered(request, error) from None

    def _unnumbered(self, request: NumberRequest, error: Exception) -> ApplicationError:
        reason = stuck.describe(error)
        log.error(
            "no case number can be given; the intake is refused",
            case_id=request.case_id,
            error=reason,
        )
        return ApplicationError(
            reason, {"case_id": request.case_id}, type=CASE_NUMBER_FAILED, non_retryable=True
        )
