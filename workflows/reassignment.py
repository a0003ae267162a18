"""One workflow per reassignment: it lists the cases to move (or takes the list it was
given) and moves them a batch at a time, each through the case's own step, keeping count
of what is done, what failed and what is left. A worker lost midway costs a batch's retry,
which moves nothing twice: each move carries the reassignment's idempotency key."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.reassignment import ReassignmentActivities
    from services.cases.reassignment import (
        CaseMove,
        CasesOf,
        MoveFailure,
        ReassignmentProgress,
    )
    from workflows.reassignment_contract import REASSIGNMENT_WORKFLOW, ReassignmentStart

BATCH = 50
LIST_TIMEOUT = timedelta(minutes=2)
# A batch's moves each wait for their case's projection; a stuck one is retried.
BATCH_TIMEOUT = timedelta(minutes=10)
HEARTBEAT_TIMEOUT = timedelta(seconds=20)
RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))


@workflow.defn(name=REASSIGNMENT_WORKFLOW)
class ReassignmentWorkflow:
    @workflow.init
    def __init__(self, start: ReassignmentStart) -> None:
        self._progress = ReassignmentProgress(
            id=start.id,
            centre=start.centre,
            from_owner=start.from_owner,
            to_owner=start.to_owner,
            requested_by=start.actor.id,
            reason=start.reason,
        )

    @workflow.run
    async def run(self, start: ReassignmentStart) -> ReassignmentProgress:
        case_ids = start.case_ids
        if case_ids is None:
            assert start.from_owner is not None
            case_ids = await workflow.execute_activity_method(
                ReassignmentActivities.list_open_cases,
                CasesOf(centre=start.centre, owner=start.from_owner),
                start_to_close_timeout=LIST_TIMEOUT,
                retry_policy=RETRY,
            )
        self._update(total=len(case_ids), left=len(case_ids))
        for first in range(0, len(case_ids), BATCH):
            moves = [
                CaseMove(
                    case_id=case_id,
                    owner=start.to_owner,
                    actor=start.actor,
                    reason=start.reason,
                    key=f"reassignment:{start.id}",
                )
                for case_id in case_ids[first : first + BATCH]
            ]
            outcomes = await workflow.execute_activity_method(
                ReassignmentActivities.move_cases,
                moves,
                start_to_close_timeout=BATCH_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
            progress = self._progress
            failures = [
                MoveFailure(case_id=o.case_id, code=o.code or "refused", message=o.message)
                for o in outcomes
                if not o.moved
            ]
            self._update(
                done=progress.done + len(outcomes) - len(failures),
                failed=[*progress.failed, *failures],
                left=(progress.left or 0) - len(outcomes),
            )
        self._update(finished=True)
        workflow.logger.info(
            "reassignment finished",
            extra={"done": self._progress.done, "failed": len(self._progress.failed)},
        )
        return self._progress

    @workflow.query(name="progress")
    def progress(self) -> ReassignmentProgress:
        return self._progress

    def _update(self, **changes: object) -> None:
        self._progress = self._progress.model_copy(update=changes)
