"""Steps cannot be sent around the API: whoever reaches Temporal without our keys sends
payloads our codec did not seal, and the worker refuses them without jamming the case."""

from __future__ import annotations

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from services.cases.model import Stage
from services.cases.steps import CloseCase, StartAssessment
from services.kernel.actors import Actor, Role
from tests.support import open_case, take
from workflows.case import CaseWorkflow
from workflows.case_contract import StepRequest


async def test_a_forged_plain_update_fails_and_the_case_keeps_taking_real_steps(
    temporal_client: Client, case_worker: Worker
) -> None:
    handle, opened = await open_case(temporal_client, case_worker.task_queue)
    forger = Client(**{**temporal_client.config(), "data_converter": pydantic_data_converter})
    forged = StepRequest(
        step=CloseCase(reason="forged by the system"), actor=Actor(id="system", role=Role.SYSTEM)
    )

    for _ in range(2):  # twice: the first refusal left the workflow task healthy
        with pytest.raises(WorkflowUpdateFailedError):
            await forger.get_workflow_handle(handle.id).execute_update(
                CaseWorkflow.apply_step, forged
            )
    after = await take(handle, StartAssessment())

    assert after.stage is Stage.ASSESSMENT
    assert after.version == opened.version + 1
    history = await handle.query(CaseWorkflow.history)
    assert [event.step.kind for event in history] == ["case_opened", "assessment_started"]
