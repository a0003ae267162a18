"""One long-lived workflow per case: it accepts steps, keeps the case, projects it."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.cases import rules
    from services.cases.errors import StepRejected
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent, CaseEventBatch
    from workflows import search_attributes
    from workflows.case_contract import (
        APPLY_STEP,
        CASE_WORKFLOW,
        CarriedCase,
        CaseStart,
        StepRequest,
    )

PROJECTION_TIMEOUT = timedelta(seconds=30)
# Retries never stop: a step the workflow accepted must reach the read model.
PROJECTION_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
# Well under the server's 10k-event warning, whatever the size of a batch.
HISTORY_BOUND = 4_000


@workflow.defn(name=CASE_WORKFLOW)
class CaseWorkflow:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._case_id = start.case_id
        carried = start.carried
        self._case: CaseFile | None = carried.case if carried else None
        self._events: list[CaseEvent] = list(carried.events) if carried else []
        self._projected_seq = carried.projected_seq if carried else 0
        self._indexed: list[tuple[str, object]] | None = None

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        while True:
            await workflow.wait_condition(lambda: self._unprojected or self._history_is_long)
            if self._unprojected:
                await self._project()
                continue
            await workflow.wait_condition(workflow.all_handlers_finished)
            if not self._unprojected:
                workflow.continue_as_new(CaseStart(case_id=self._case_id, carried=self._carry()))

    @workflow.update(name=APPLY_STEP)
    async def apply_step(self, request: StepRequest) -> CaseFile:
        event = self._accept(request)
        await workflow.wait_condition(lambda: self._projected_seq >= event.seq)
        assert self._case is not None
        return self._case

    @apply_step.validator
    def _validate_step(self, request: StepRequest) -> None:
        try:
            rules.check(self._case, request.step)
        except StepRejected as rejected:
            raise _as_application_error(rejected) from None

    @workflow.query(name="case")
    def case(self) -> CaseFile | None:
        return self._case

    @workflow.query(name="history")
    def history(self) -> list[CaseEvent]:
        return self._events

    def _accept(self, request: StepRequest) -> CaseEvent:
        # Checked again: another update may have changed the case since validation.
        self._validate_step(request)
        event = CaseEvent(
            case_id=self._case_id,
            seq=len(self._events) + 1,
            at=workflow.now(),
            actor=request.actor,
            step=request.step,
        )
        self._case = rules.evolve(self._case, event)
        self._events.append(event)
        self._upsert_search_attributes()
        return event

    async def _project(self) -> None:
        assert self._case is not None
        batch = self._unprojected
        await workflow.execute_activity(
            "project_case_events",
            CaseEventBatch(case=self._case, events=batch),
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        self._projected_seq = max(self._projected_seq, batch[-1].seq)

    @property
    def _unprojected(self) -> list[CaseEvent]:
        return self._events[self._projected_seq :]

    @property
    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > (
            HISTORY_BOUND
        )

    def _carry(self) -> CarriedCase:
        assert self._case is not None
        return CarriedCase(case=self._case, events=self._events, projected_seq=self._projected_seq)

    def _upsert_search_attributes(self) -> None:
        case = self._case
        assert case is not None
        pairs = search_attributes.pairs_of(
            stage=case.stage.value,
            category=case.claimant.category.value,
            needs=[need.value for need in case.needs],
            centre=case.centre,
            lawyer=None,
        )
        # Only on change: every upsert is an event in the case's history.
        indexed = [(pair.key.name, pair.value) for pair in pairs]
        if indexed != self._indexed:
            workflow.upsert_search_attributes(pairs)
            self._indexed = indexed


def _as_application_error(rejected: StepRejected) -> ApplicationError:
    return ApplicationError(
        rejected.message,
        {"code": rejected.code, "field": rejected.field, "status": rejected.status},
        type=type(rejected).__name__,
        non_retryable=True,
    )
