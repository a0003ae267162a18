"""Fixtures of the case-lifecycle scenario tests (time-skipping server, a worker per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.support import Scenario


@pytest.fixture
async def scenario(
    workflow_env: WorkflowEnvironment, case_worker: Worker
) -> AsyncIterator[Scenario]:
    scenario = Scenario(workflow_env, case_worker.task_queue)
    yield scenario
    await scenario.cleanup()
