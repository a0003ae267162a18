"""The API in process with a real worker and a Temporal test server, on the test's
database (each backend): for the department loop's steps through the one step path."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from casework.temporal import build_worker
from tests.api import in_process_api
from tests.conftest import TEST_IDENTITY_KEY, TEST_VAULT
from tests.support import time_skipping_server


@pytest.fixture
async def api_with_worker(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    converter = data_converter(TEST_VAULT, DatabaseCaseKeys(session_factory))
    async with time_skipping_server(converter) as env:
        with ThreadPoolExecutor(max_workers=4) as executor:
            worker = build_worker(
                env.client,
                task_queue=f"departments-{uuid.uuid4()}",
                session_factory=session_factory,
                identity_key=TEST_IDENTITY_KEY,
                activity_executor=executor,
            )
            async with (
                worker,
                in_process_api(database_url, session_factory, env.client, worker.task_queue) as c,
            ):
                yield c
