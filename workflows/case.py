"""One long-lived workflow per case: it accepts steps, keeps the case, projects it, and
runs what the case does on its own (follow-up clocks, one child per legal matter)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import DeadlineActivities
    from activities.projection import ProjectionActivities
    from services.cases import rules
    from services.cases.model import CaseFile
    from services.cases.numbers import CASE_NUMBER_FAILED, CaseNumberFailed, NumberRequest
    from services.cases.progress import Task, open_tasks
    from services.cases.steps import CaseEvent, CaseEventBatch, OpenCase
    from services.cases.stuck import PROJECTION_FAILED
    from services.deadlines.alarms import due_actions, next_action_at, notification_for
    from services.deadlines.clocks import DeadlineRules, RulesRequest
    from services.kernel.actors import SYSTEM_ACTOR, Role
    from services.kernel.errors import DomainError, IdempotencyKeyReused, StepRejected
    from services.legal_aid.model import MATTERS
    from services.legal_aid.rules import changed_matters
    from services.notify.model import Notification
    from workflows import search_attributes
    from workflows.case_contract import (
        CASE_WORKFLOW,
        CarriedCase,
        CaseStart,
        MatterSnapshot,
        ProjectionRetry,
        StepRequest,
        StepResult,
    )
    from workflows.idempotency import KeyReused, Ledger
    from workflows.ids import legal_matter_workflow_id
    from workflows.legal_matter import LegalMatterWorkflow

PROJECTION_TIMEOUT = timedelta(seconds=30)
# Retries of transient errors never stop: a step the workflow accepted must reach the
# read model. An error that would fail again stops them (the activity says which): the
# case is stuck until an operator mends the cause and calls ``retry_projection``.
PROJECTION_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
# Well under the server's 10k-event warning, whatever the size of a batch.
HISTORY_BOUND = 4_000
RULES_TIMEOUT = timedelta(seconds=30)
# Runs opened before case numbers took none: their histories replay without the activity.
CASE_NUMBERS_PATCH = "case_numbers"


@workflow.defn(name=CASE_WORKFLOW)
class CaseWorkflow:
    NOTIFY_BATCH = 50

    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._case_id = start.case_id
        carried = start.carried
        self._case: CaseFile | None = carried.case if carried else None
        # This run's events only: earlier ones are in the timeline, so a years-long case
        # carries its state across continue-as-new, not its whole past.
        self._events: list[CaseEvent] = list(carried.events) if carried else []
        self._projected_seq = carried.projected_seq if carried else 0
        self._matters_started = set(carried.matters_started) if carried else set()
        self._matters_to_sync = set(carried.matters_to_sync) if carried else set()
        self._indexed: list[tuple[str, object]] | None = None
        self._ledger = Ledger(carried.applied_keys if carried else [])
        self._to_notify: list[Notification] = list(carried.to_notify) if carried else []
        # The calendar and policy in force: given by the starter, or loaded by the run.
        self._rules: DeadlineRules | None = start.rules
        # The alarm timers set and not yet fired, by due time.
        self._alarms: dict[datetime, asyncio.Task[None]] = {}
        self._alarm_rang = False
        # Why the projection cannot take this run's unprojected events; None when it can.
        self._projection_failed: str | None = None
        # Events carried unprojected may be a failed projection's: clear its record after.
        self._after_failure = bool(carried and carried.events)

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        if self._rules is None:
            self._rules = await workflow.execute_activity_method(
                DeadlineActivities.load_deadline_rules,
                RulesRequest(at=workflow.now()),
                start_to_close_timeout=RULES_TIMEOUT,
            )
        while True:
            self._set_alarm()
            await workflow.wait_condition(lambda: self._alarm_rang or self._has_work())
            self._alarm_rang = False
            self._take_due_actions()
            # Stuck, nothing goes out ahead of the read model: it waits for the operator.
            stuck = self._projection_failed is not None
            if self._unprojected and not stuck:
                await self._project()
            elif self._to_notify and not stuck:
                await self._notify()
            elif self._matters_to_sync and not stuck:
                await self._sync_matters()
            elif self._history_is_long:
                # A step's handler waits for its projection: wait for either, not for both.
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() or self._has_pending_work()
                )
                if workflow.all_handlers_finished() and not self._has_pending_work():
                    workflow.continue_as_new(
                        CaseStart(case_id=self._case_id, carried=self._carry())
                    )

    # The method's name is the update's name, which running cases and clients rely on.
    @workflow.update
    async def apply_step(self, request: StepRequest) -> StepResult:
        seq = self._applied_seq(request)
        if seq is None:
            # Clocks start with the first step: wait for the run's calendar and policy.
            await workflow.wait_condition(lambda: self._rules is not None)
            request = await self._numbered(request)
            seq = self._applied_seq(request) or self._accept(request).seq
        await workflow.wait_condition(
            lambda: self._projected_seq >= seq or self._projection_failed is not None
        )
        assert self._case is not None
        # Not projected: the step is accepted and kept, but not readable yet. Answered
        # now rather than when the client gives up; the API reads the read model again
        # on a repeat (Temporal repeats this very result for the same update id).
        projected = self._projected_seq >= seq
        return StepResult(
            seq=seq,
            version=self._case.version,
            projected=projected,
            fingerprint=request.fingerprint,
        )

    @workflow.update
    async def retry_projection(self) -> ProjectionRetry:
        """Project again what the read model could not take (after its cause is mended)."""
        if self._projection_failed is not None:
            self._projection_failed = None
            self._after_failure = True
        target = self._events[-1].seq if self._events else self._projected_seq
        await workflow.wait_condition(
            lambda: self._projected_seq >= target or self._projection_failed is not None
        )
        return ProjectionRetry(
            projected=self._projected_seq >= target, error=self._projection_failed
        )

    async def _numbered(self, request: StepRequest) -> StepRequest:
        """An intake with the case number it is given (the same one on a repeat)."""
        step = request.step
        if not isinstance(step, OpenCase) or self._case is not None or not step.centre:
            return request
        if not workflow.patched(CASE_NUMBERS_PATCH):
            return request
        assert self._rules is not None
        try:
            number = await workflow.execute_activity_method(
                ProjectionActivities.allocate_case_number,
                NumberRequest(
                    case_id=self._case_id,
                    centre=step.centre,
                    at=workflow.now(),
                    utc_offset_minutes=self._rules.calendar.utc_offset_minutes,
                ),
                start_to_close_timeout=PROJECTION_TIMEOUT,
                retry_policy=PROJECTION_RETRY,
            )
        except ActivityError as failed:
            cause = failed.cause
            if not (isinstance(cause, ApplicationError) and cause.type == CASE_NUMBER_FAILED):
                raise
            # Nothing accepted: the intake is refused (the reason is in the activity's
            # failure in this history and in the worker's log, not in the answer).
            raise _as_application_error(
                CaseNumberFailed(
                    "the case cannot be given a number for this centre; the intake is not recorded",
                    field="centre",
                )
            ) from None
        return request.model_copy(update={"step": step.model_copy(update={"number": number})})

    @apply_step.validator
    def _validate_step(self, request: StepRequest) -> None:
        if self._applied_seq(request) is not None:
            return
        try:
            if request.expected_version is not None and self._case is not None:
                rules.check_version(self._case, request.expected_version)
            rules.check(
                self._case,
                request.step,
                actor=request.actor,
                target=request.target,
                now=workflow.now(),
            )
        except StepRejected as rejected:
            raise _as_application_error(rejected) from None

    def _applied_seq(self, request: StepRequest) -> int | None:
        try:
            return self._ledger.seq_of(request.idempotency_key, request.fingerprint)
        except KeyReused:
            raise _as_application_error(
                IdempotencyKeyReused(
                    "this Idempotency-Key was used for a different request",
                    field="Idempotency-Key",
                )
            ) from None

    @workflow.query(name="case")
    def case(self) -> CaseFile | None:
        return self._case

    @workflow.query(name="history")
    def history(self) -> list[CaseEvent]:
        """This run's steps; the whole history is the timeline (GET /cases/{id}/history)."""
        return self._events

    @workflow.query(name="tasks")
    def tasks(self) -> list[Task]:
        return open_tasks(self._case) if self._case else []

    def _accept(self, request: StepRequest) -> CaseEvent:
        if request.actor.role is not Role.SYSTEM:
            # A timer due in the same task as this step fires first: a late step is late.
            self._take_due_actions()
        # Checked again: another update may have changed the case since validation.
        self._validate_step(request)
        before = self._case
        event = rules.record(
            before,
            request.step,
            case_id=self._case_id,
            actor=request.actor,
            target=request.target,
            at=workflow.now(),
            deadlines=self._rules,
        )
        self._case = rules.evolve(before, event)
        self._events.append(event)
        self._ledger.remember(request.idempotency_key, request.fingerprint, event.seq)
        self._matters_to_sync |= changed_matters(before, self._case)
        notification = notification_for(event, self._case)
        if notification is not None:
            self._to_notify.append(notification)
        self._upsert_search_attributes()
        return event

    def _has_work(self) -> bool:
        return self._has_pending_work() or self._history_is_long

    def _has_pending_work(self) -> bool:
        if self._projection_failed is not None:
            return False
        return bool(self._unprojected or self._to_notify or self._matters_to_sync)

    def _set_alarm(self) -> None:
        """A timer for the next thing the case does on its own, unless an earlier one is set.

        Timers are never cancelled: one that a step made pointless fires and finds nothing
        due. A cancelled timer that fired meanwhile is harmless on a real server, but the
        time-skipping test server strands the run (sdk-java#3088).
        """
        at = next_action_at(self._case, self._rules)
        if at is None or any(alarm <= at for alarm in self._alarms):
            return
        if at <= workflow.now():
            self._alarm_rang = True
            return
        self._alarms[at] = asyncio.create_task(self._ring_at(at))

    async def _ring_at(self, at: datetime) -> None:
        await workflow.sleep(at - workflow.now(), summary="next clock or follow-up")
        del self._alarms[at]
        self._alarm_rang = True

    def _take_due_actions(self) -> None:
        """Record what fell due on its own: follow-ups, clock warnings and escalations."""
        for step, target in due_actions(self._case, self._rules, workflow.now()):
            self._accept(StepRequest(step=step, actor=SYSTEM_ACTOR, target=target))

    async def _project(self) -> None:
        assert self._case is not None
        batch = self._unprojected
        try:
            await workflow.execute_activity_method(
                ProjectionActivities.project_case_events,
                CaseEventBatch(
                    case_id=self._case_id, events=batch, after_failure=self._after_failure
                ),
                start_to_close_timeout=PROJECTION_TIMEOUT,
                retry_policy=PROJECTION_RETRY,
            )
        except ActivityError as failed:
            cause = failed.cause
            if not (isinstance(cause, ApplicationError) and cause.type == PROJECTION_FAILED):
                raise
            self._projection_failed = cause.message
            workflow.logger.error(
                "case projection failed", extra={"case_id": self._case_id, "seq": batch[0].seq}
            )
            return
        self._after_failure = False
        self._projected_seq = max(self._projected_seq, batch[-1].seq)

    async def _notify(self) -> None:
        # Projected first: a notification never points at a step the timeline lacks.
        batch = self._to_notify[: self.NOTIFY_BATCH]
        await workflow.execute_activity_method(
            DeadlineActivities.notify,
            batch,
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        del self._to_notify[: len(batch)]

    async def _sync_matters(self) -> None:
        # Steps keep arriving while a signal is in flight: take one matter at a time, and
        # build its snapshot from the case as it is at that moment.
        while self._matters_to_sync:
            matter_id = min(self._matters_to_sync)
            self._matters_to_sync.discard(matter_id)
            case = self._case
            assert case is not None
            matter = MATTERS.find(case, matter_id)
            snapshot = MatterSnapshot(
                case_id=self._case_id, seq=case.version, lawyer=case.lawyer, matter=matter
            )
            child_id = legal_matter_workflow_id(self._case_id, matter_id)
            if matter_id in self._matters_started:
                child = workflow.get_external_workflow_handle_for(LegalMatterWorkflow.run, child_id)
                await child.signal(LegalMatterWorkflow.sync, snapshot)
            else:
                self._matters_started.add(matter_id)
                await workflow.start_child_workflow(
                    LegalMatterWorkflow.run,
                    snapshot,
                    id=child_id,
                    # A matter outlives a run of its case (continue-as-new) by design.
                    parent_close_policy=ParentClosePolicy.ABANDON,
                )

    @property
    def _unprojected(self) -> list[CaseEvent]:
        if not self._events:
            return []
        # Events are in seq order with no gaps, so the unprojected ones are a tail.
        return self._events[max(self._projected_seq - self._events[0].seq + 1, 0) :]

    @property
    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > (
            HISTORY_BOUND
        )

    def _carry(self) -> CarriedCase:
        assert self._case is not None
        return CarriedCase(
            case=self._case,
            events=self._unprojected,
            projected_seq=self._projected_seq,
            matters_started=sorted(self._matters_started),
            matters_to_sync=sorted(self._matters_to_sync),
            applied_keys=self._ledger.carry(),
            to_notify=self._to_notify,
        )

    def _upsert_search_attributes(self) -> None:
        assert self._case is not None
        pairs = search_attributes.pairs_for(self._case)
        # Only on change: every upsert is an event in the case's history.
        indexed = [(pair.key.name, pair.value) for pair in pairs]
        if indexed != self._indexed:
            workflow.upsert_search_attributes(pairs)
            self._indexed = indexed


def _as_application_error(rejected: DomainError) -> ApplicationError:
    return ApplicationError(
        rejected.message,
        {"code": rejected.code, "field": rejected.field},
        type=type(rejected).__name__,
        non_retryable=True,
    )
