"""Sending a step to a case's workflow: the one path every write route takes.

Every write honours two headers: ``Idempotency-Key`` (a repeat returns the first result
and does nothing again; the same key with another body is refused) and ``If-Match`` (the
case version the client saw; a stale one is refused with 412).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Annotated

import rfc8785
from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import WithJsonSchema
from sqlalchemy.orm import Session
from temporalio.client import Client

from api.deps import SessionDep, TemporalDep
from api.policy import CurrentUser
from services.cases import queries
from services.cases.model import CaseFile
from services.cases.steps import OpenCase, Step
from services.cases.stuck import ProjectionFailed
from services.cases.views import case_for
from services.db import lazy_commit
from services.deadlines.clocks import DeadlineRules
from services.kernel.actors import Actor
from services.kernel.errors import CaseNotFound, IdempotencyKeyReused, InvalidInput
from services.users.access_log import personal_fields, record_reads
from workflows import client as cases
from workflows.case_contract import StepRequest, StepResult

_INTAKE_KEYS = uuid.UUID("6f1d1b39-5c5e-4bb8-9a57-0e6c1b7d2f10")
KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,128}$"
# Optional headers are stated as strings in the schema, not "string or null": a header
# has no null (a generator would send the text "null").
IdempotencyKey = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "pattern": KEY_PATTERN}),
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Any unique string per intended change (8-128 of A-Z a-z 0-9 . _ : -)",
    ),
]
IF_MATCH_PATTERN = r'^(W/)?"?[0-9]{1,15}"?$'
IfMatch = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "pattern": IF_MATCH_PATTERN}),
    Header(
        alias="If-Match",
        pattern=IF_MATCH_PATTERN,
        description='The case version seen, e.g. "7"',
    ),
]


@dataclass(frozen=True)
class StepContext:
    temporal: Client
    user: Actor
    response: Response
    path: str
    idempotency_key: str | None
    expected_version: int | None
    session: Session

    def _release_database(self) -> None:
        # What the request read (the caller, the case's owner, duplicates) is read by now:
        # end that transaction before waiting, maybe for seconds, on the workflow, so that
        # requests in flight hold no pooled connection (a burst of them would exhaust it).
        # Not in the thread pool: a request holding a connection must not queue for a thread
        # behind requests waiting for a connection.
        self.session.rollback()

    def request_for(self, step: Step, target: str | None = None) -> StepRequest:
        return StepRequest(
            step=step,
            actor=self.user,
            target=target,
            idempotency_key=self.idempotency_key,
            fingerprint=self.fingerprint(step, target) if self.idempotency_key else None,
            expected_version=self.expected_version,
        )

    def fingerprint(self, step: Step, target: str | None) -> str:
        document = {"path": self.path, "target": target, "body": step.model_dump(mode="json")}
        return hashlib.sha256(rfc8785.dumps(document)).hexdigest()

    async def apply(
        self,
        case_id: uuid.UUID,
        step: Step,
        *,
        target: str | None = None,
        created: str | None = None,
    ) -> CaseFile:
        """Apply ``step``; with ``created`` (a path under the case, e.g. "referrals/R"),
        point ``Location`` at the item the step made."""
        self._release_database()
        request = self.request_for(step, target)
        result = await cases.apply_step(
            self.temporal, str(case_id), request, update_id=self.update_id(request)
        )
        self._check_repeat(request, result)
        if created:
            self.response.headers["Location"] = f"/cases/{case_id}/{created}{result.seq}"
        return await self._recorded(str(case_id), result)

    def new_case_id(self) -> str:
        """A fresh id; with an idempotency key, the same id for every repeat of the intake."""
        if self.idempotency_key is None:
            return str(uuid.uuid4())
        return str(uuid.uuid5(_INTAKE_KEYS, f"{self.user.id}\x00{self.idempotency_key}"))

    async def open(
        self, case_id: str, intake: OpenCase, task_queue: str, rules: DeadlineRules
    ) -> CaseFile:
        """Start the case's workflow and record its intake as one operation."""
        self._release_database()
        request = self.request_for(intake)
        result = await cases.open_case(
            self.temporal,
            case_id,
            request,
            task_queue=task_queue,
            rules=rules,
            update_id=self.update_id(request),
            # A repeat of a keyed intake reaches the case it made.
            reuse_existing=self.idempotency_key is not None,
        )
        self._check_repeat(request, result)
        self.response.headers["Location"] = f"/cases/{case_id}"
        return await self._recorded(case_id, result)

    async def _recorded(self, case_id: str, result: StepResult) -> CaseFile:
        """The case from the read model, which the step has reached when its update
        returns (unless its projection failed and was not mended since), as the caller's
        role reads it; its personal data handed over is in the access log (a repeat's
        too: it hands them over again)."""

        def read() -> CaseFile | None:
            try:
                case = queries.get_case(session=self.session, case_id=case_id)
                if case is None:
                    return None
                shown = case_for(self.user.role, case)
                lazy_commit(self.session)
                record_reads(
                    session=self.session,
                    reader=(self.user.id, self.user.role),
                    centre=shown.centre,
                    case_ids=[shown.id],
                    action="step",
                    fields=personal_fields(shown),
                )
                self.session.commit()
                return shown
            finally:
                # Done with the database: whatever comes next (the intake's hold is let go
                # on a connection of its own) must not wait for a second connection while
                # this one is held, or a burst of requests exhausts the pool.
                self.session.rollback()

        case = await run_in_threadpool(read)
        if not result.projected and (case is None or case.version < result.seq):
            raise ProjectionFailed(
                "the step is recorded but the read model cannot take it; an operator has "
                "been alerted (casework projection check); retry later with the same "
                "Idempotency-Key"
            )
        if case is None:
            raise CaseNotFound(f"no case {case_id}")
        self.response.headers["ETag"] = f'"{case.version}"'
        return case

    def update_id(self, request: StepRequest) -> str | None:
        """The caller and its key, nothing of the request: update ids stay readable in
        Temporal's history, where a digest of the body would let anyone test guesses of
        an ID number against it, also after the case is erased."""
        # Temporal answers a repeated update id with the first outcome, also while the
        # first is still in flight; whether it was this request is told by its result.
        if not self.idempotency_key:
            return None
        return f"{self.user.id}:{self.idempotency_key}"

    def _check_repeat(self, request: StepRequest, result: StepResult) -> None:
        """Refuse a key reused for another request: its update id reached the first
        request's result (the workflow refuses it itself once the first has left its
        run's history)."""
        if result.fingerprint is not None and result.fingerprint != request.fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request", field="Idempotency-Key"
            )


def _step_context(
    request: Request,
    response: Response,
    temporal: TemporalDep,
    user: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> StepContext:
    return StepContext(
        temporal=temporal,
        user=user,
        response=response,
        path=request.url.path,
        idempotency_key=idempotency_key,
        expected_version=_version(if_match),
        session=session,
    )


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidInput('If-Match must be a case version such as "7"', field="If-Match")
    return int(raw)


StepDep = Annotated[StepContext, Depends(_step_context)]
