from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.e2e.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real dev server, worker and API for the whole session."""
    workdir = tmp_path_factory.mktemp("stack")
    stack = Stack(workdir=workdir, database_url=f"sqlite:///{workdir / 'casework.db'}")
    stack.start_temporal()
    stack.migrate()
    stack.start_worker()
    stack.start_api()
    yield stack
    stack.stop_all()


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
async def temporal(stack: Stack) -> Client:
    return await Client.connect(stack.temporal_address, data_converter=pydantic_data_converter)
