"""Starting, updating and querying cases and legal matters: the one place outside the
workflows that calls them, and always by method reference, never by a name."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.cases.model import CaseFile
from services.cases.progress import Task
from services.cases.reassignment import CaseMove, MoveOutcome, ReassignmentProgress
from services.cases.steps import CaseEvent, ReassignCase
from services.deadlines.clocks import DeadlineRules
from workflows.case import CaseWorkflow
from workflows.case_contract import (
    CASE_WORKFLOW,
    CaseStart,
    MatterSnapshot,
    ProjectionRetry,
    StepRequest,
    StepResult,
)
from workflows.ids import (
    case_id_from_workflow_id,
    case_workflow_id,
    legal_matter_workflow_id,
    reassignment_workflow_id,
)
from workflows.legal_matter import LegalMatterWorkflow
from workflows.reassignment import ReassignmentWorkflow
from workflows.reassignment_contract import ReassignmentStart


async def open_case(
    client: Client,
    case_id: str,
    request: StepRequest,
    *,
    task_queue: str,
    rules: DeadlineRules | None = None,
    update_id: str | None = None,
    reuse_existing: bool = False,
) -> StepResult:
    """Start the case's workflow and apply its intake as one operation. With
    ``reuse_existing`` a repeat reaches the case it made; otherwise a second start for
    one case id fails rather than making two workflows."""
    start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        CaseWorkflow.run,
        CaseStart(case_id=case_id, rules=rules),
        id=case_workflow_id(case_id),
        id_conflict_policy=(
            WorkflowIDConflictPolicy.USE_EXISTING
            if reuse_existing
            else WorkflowIDConflictPolicy.FAIL
        ),
        task_queue=task_queue,
    )
    return await client.execute_update_with_start_workflow(
        CaseWorkflow.apply_step, request, start_workflow_operation=start, id=update_id
    )


async def apply_step(
    client: Client, case_id: str, request: StepRequest, *, update_id: str | None = None
) -> StepResult:
    """Apply one step; it returns once the step is recorded and projected."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_id))
    return await handle.execute_update(CaseWorkflow.apply_step, request, id=update_id)


async def retry_projection(client: Client, case_id: str) -> ProjectionRetry:
    """Project again the events a stuck case's read model could not take."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_id))
    return await handle.execute_update(CaseWorkflow.retry_projection)


async def live_case(client: Client, case_id: str) -> CaseFile | None:
    """The case as its workflow holds it now."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_id))
    return await handle.query(CaseWorkflow.case)


async def run_history(client: Client, case_id: str) -> list[CaseEvent]:
    """The steps of the workflow's current run (the whole history is the timeline)."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_id))
    return await handle.query(CaseWorkflow.history)


async def open_tasks(client: Client, case_id: str) -> list[Task]:
    handle = client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_id))
    return await handle.query(CaseWorkflow.tasks)


async def legal_matter(client: Client, case_id: str, matter_id: str) -> MatterSnapshot:
    """The legal matter as its own workflow holds it."""
    handle = client.get_workflow_handle_for(
        LegalMatterWorkflow.run, legal_matter_workflow_id(case_id, matter_id)
    )
    return await handle.query(LegalMatterWorkflow.matter)


async def running_case_ids(client: Client) -> AsyncIterator[str]:
    """The id of every case whose workflow is running."""
    query = f'WorkflowType = "{CASE_WORKFLOW}" AND ExecutionStatus = "Running"'
    async for execution in client.list_workflows(query):
        case_id = case_id_from_workflow_id(execution.id)
        if case_id is not None:
            yield case_id


class CaseSteps:
    """Steps the engine takes on cases for a workflow of its own (a reassignment's
    activities), through the same update as every person's step."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def reassign(self, move: CaseMove) -> MoveOutcome:
        step = ReassignCase(owner=move.owner, reason=move.reason)
        fingerprint = hashlib.sha256(
            f"{move.key}\x00{move.owner}\x00{move.reason or ''}".encode()
        ).hexdigest()
        request = StepRequest(
            step=step, actor=move.actor, idempotency_key=move.key, fingerprint=fingerprint
        )
        try:
            result = await apply_step(
                self._client, move.case_id, request, update_id=f"{move.key}:{move.case_id}"
            )
        except WorkflowUpdateFailedError as failed:
            cause = failed.cause
            if not (isinstance(cause, ApplicationError) and cause.non_retryable):
                raise
            info = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
            code = str(info.get("code") or cause.type or "refused")
            return MoveOutcome(case_id=move.case_id, moved=False, code=code, message=cause.message)
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            return MoveOutcome(case_id=move.case_id, moved=False, code="no_case")
        return MoveOutcome(case_id=move.case_id, moved=True, seq=result.seq)


async def start_reassignment(client: Client, start: ReassignmentStart, *, task_queue: str) -> None:
    """Start the reassignment's workflow; a repeat of the same start reaches the first."""
    await client.start_workflow(
        ReassignmentWorkflow.run,
        start,
        id=reassignment_workflow_id(start.id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )


async def reassignment_progress(
    client: Client, reassignment_id: str
) -> ReassignmentProgress | None:
    """Where the reassignment stands (its result once finished); None if there is none."""
    handle = client.get_workflow_handle_for(
        ReassignmentWorkflow.run, reassignment_workflow_id(reassignment_id)
    )
    try:
        description = await handle.describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return None
        raise
    if description.status is WorkflowExecutionStatus.COMPLETED:
        return await handle.result()
    return await handle.query(ReassignmentWorkflow.progress)
