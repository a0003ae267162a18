from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from temporalio.client import Client

from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from services.db import make_engine, make_session_factory
from tests.conftest import TEST_VAULT
from tests.e2e.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real dev server, worker and API for the whole session."""
    workdir = tmp_path_factory.mktemp("stack")
    stack = Stack(workdir=workdir, database_url=f"sqlite:///{workdir / 'casework.db'}")
    stack.start_all()
    yield stack
    stack.stop_all()


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as staff of the stack's centre."""
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=30, headers=stack.headers("staff")
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def temporal(stack: Stack) -> Client:
    return await Client.connect(
        stack.temporal_address, data_converter=data_converter(TEST_VAULT, stack_case_keys(stack))
    )


def stack_case_keys(stack: Stack) -> DatabaseCaseKeys:
    """The case keys the stack's processes keep, for clients of the tests themselves."""
    return DatabaseCaseKeys(make_session_factory(make_engine(stack.database_url)))
