"""Fixtures of the deadline tests: a time-skipping server of their own, and per test a
worker with its own read model, its own calendar folder and the default clock policy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.deadlines import DeadlineActivities
from casework.temporal import build_worker
from services.db import make_engine, make_session_factory
from services.deadlines.policy import ClockPolicy, policy_with
from services.migrate import upgrade_database
from tests.conftest import TEST_IDENTITY_KEY
from tests.deadlines.support import OFFSET_MINUTES, CaseWorld, write_calendars
from tests.support import time_skipping_server


@pytest.fixture(scope="package")
async def workflow_env() -> AsyncIterator[WorkflowEnvironment]:
    """Time only moves forward on a time-skipping server: these tests get their own, so
    neither they nor the rest of the suite see each other's timers or skipped time."""
    async with time_skipping_server(pydantic_data_converter) as env:
        yield env


@pytest.fixture
def read_model(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'deadlines.db'}"
    upgrade_database(url)
    return make_session_factory(make_engine(url))


@pytest.fixture
async def calendar_dir(tmp_path: Path, workflow_env: WorkflowEnvironment) -> Path:
    """Synthetic (weekends-only) year files around the server's current year."""
    folder = tmp_path / "calendars"
    folder.mkdir()
    year = (await workflow_env.get_current_time()).year
    write_calendars(folder, range(year - 1, year + 4))
    return folder


def deadline_worker(
    client: Client,
    task_queue: str,
    session_factory: sessionmaker[Session],
    calendar_dir: Path,
    executor: ThreadPoolExecutor,
    policy: ClockPolicy | None = None,
) -> Worker:
    return build_worker(
        client,
        task_queue=task_queue,
        session_factory=session_factory,
        identity_key=TEST_IDENTITY_KEY,
        activity_executor=executor,
        deadlines=DeadlineActivities(
            session_factory, calendar_dir, OFFSET_MINUTES, policy or policy_with()
        ),
    )


@pytest.fixture
async def world(
    workflow_env: WorkflowEnvironment,
    read_model: sessionmaker[Session],
    calendar_dir: Path,
) -> AsyncIterator[CaseWorld]:
    task_queue = f"deadlines-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = deadline_worker(
            workflow_env.client, task_queue, read_model, calendar_dir, executor
        )
        async with worker:
            world = CaseWorld(workflow_env, task_queue, read_model, calendar_dir)
            try:
                yield world
            finally:
                await world.cleanup()
