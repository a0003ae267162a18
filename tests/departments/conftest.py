"""The API in process with a real worker and a Temporal test server, on the test's
database (each backend): for the department loop's steps through the one step path."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.api import worked_api


@pytest.fixture
async def api_with_worker(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    async with worked_api(database_url, session_factory, queue_prefix="departments") as running:
        yield running.api
