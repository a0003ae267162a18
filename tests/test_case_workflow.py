from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.worker import Worker

from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.queries import get_case
from services.cases.steps import CloseCase
from tests.support import open_case, take
from workflows.case import CaseWorkflow


async def test_opened_case_is_in_intake_and_projected(
    temporal_client: Client, case_worker: Worker, sqlite_session_factory: sessionmaker[Session]
) -> None:
    _, case = await open_case(temporal_client, case_worker.task_queue)

    assert case.stage is Stage.INTAKE
    assert case.version == 1
    with sqlite_session_factory() as session:
        projected = get_case(session=session, case_id=case.id)
    assert projected == case


async def test_close_records_outcome_and_second_close_is_rejected(
    temporal_client: Client, case_worker: Worker
) -> None:
    handle, _ = await open_case(temporal_client, case_worker.task_queue)

    closed = await take(handle, CloseCase(outcome=CaseOutcome.WITHDRAWN, reason="moved away"))
    assert closed.stage is Stage.CLOSED
    assert closed.close_reason == "moved away"

    with pytest.raises(WorkflowUpdateFailedError) as rejected:
        await take(handle, CloseCase(reason="again"))
    assert rejected.value.cause.details[0]["code"] == "wrong_stage"  # type: ignore[attr-defined]
    assert (await handle.query(CaseWorkflow.case)) == closed
    assert len(await handle.query(CaseWorkflow.history)) == 2
