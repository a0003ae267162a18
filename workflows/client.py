"""Starting, updating and querying cases and legal matters: the one place outside the
workflows that calls them, and always by method reference, never by a name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from services.cases.model import CaseFile
from services.cases.progress import Task
from services.cases.steps import CaseEvent
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
from workflows.ids import case_id_from_workflow_id, case_workflow_id, legal_matter_workflow_id
from workflows.legal_matter import LegalMatterWorkflow


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
