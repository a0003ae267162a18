"""Shared fixtures: real databases (SQLite, PostgreSQL) and a real Temporal test server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from casework.temporal import build_worker
from services.crypto.cipher import KeyRing
from services.crypto.vault import Vault, install_vault
from services.db import make_engine, make_session_factory
from services.migrate import upgrade_database
from tests.support import time_skipping_server

PG_URL = os.environ.get("TEST_DATABASE_URL")
TEST_IDENTITY_KEY = b"test-identity-key"
# A fixed master key, so that what one test seals another can open; installed at import
# so that every fixture and test (and the migrations) find it.
TEST_MASTER_KEY_RING = "test1:" + "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE="
TEST_VAULT = Vault(KeyRing(keys={"test1": b"test-master-key-32-bytes-long!!!"}, current="test1"))
install_vault(TEST_VAULT)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not PG_URL, reason="TEST_DATABASE_URL is not set: PostgreSQL leg skipped"
        ),
    ),
]


def _fresh_postgres_database(base_url: str) -> tuple[str, Engine, str]:
    """A new, empty database on the server of ``base_url``; dropped by the caller."""
    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"casework_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin, name


def application_role(admin: Engine, owner_url: str) -> tuple[str, str]:
    """A new login role for the application on the server of ``owner_url`` (as the
    README tells an operator to make one), and the URL that connects as it."""
    role = f"casework_app_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    return make_url(owner_url).set(username=role).render_as_string(hide_password=False), role


def drop_database_and_role(admin: Engine, name: str, role: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


@dataclass(frozen=True)
class Databases:
    """The session's database: ``owner`` migrates it (and may alter it, as an attacker
    with the owner's password could); ``app`` is what the API and worker connect as. On
    SQLite both are the one file."""

    owner: str
    app: str


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    """A migrated database of each backend, shared by the session's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'casework.db'}"
        upgrade_database(url)
        yield Databases(owner=url, app=url)
        return
    assert PG_URL
    url, admin, name = _fresh_postgres_database(PG_URL)
    app_url, role = application_role(admin, url)
    upgrade_database(url, app_role=role)
    yield Databases(owner=url, app=app_url)
    drop_database_and_role(admin, name, role)


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    """Where the application connects: on PostgreSQL as its own role, not the owner."""
    return databases.app


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(databases: Databases) -> Iterator[Engine]:
    """The schema owner's connection, for tests that tamper with what the app cannot."""
    engine = make_engine(databases.owner)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def sqlite_session_factory(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    """A SQLite read model for workflow tests, which are about orchestration."""
    url = f"sqlite:///{tmp_path_factory.mktemp('wf') / 'casework.db'}"
    upgrade_database(url)
    return make_session_factory(make_engine(url))


@pytest.fixture
async def workflow_env(
    sqlite_session_factory: sessionmaker[Session],
) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test: it starts in well under a second, and a test
    server whose time-skipping lock leaked (a known test-server bug around completed
    child workflows) cannot stall the tests after it."""
    # Case keys live in the read model the case worker projects into.
    converter = data_converter(TEST_VAULT, DatabaseCaseKeys(sqlite_session_factory))
    async with time_skipping_server(converter) as env:
        yield env


@pytest.fixture
async def case_worker(
    workflow_env: WorkflowEnvironment, sqlite_session_factory: sessionmaker[Session]
) -> AsyncIterator[Worker]:
    """A real worker on its own task queue, projecting into SQLite."""
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(
            workflow_env.client,
            task_queue=f"test-{uuid.uuid4()}",
            session_factory=sqlite_session_factory,
            identity_key=TEST_IDENTITY_KEY,
            activity_executor=executor,
        )
        async with worker:
            yield worker


@pytest.fixture
def temporal_client(workflow_env: WorkflowEnvironment) -> Client:
    return workflow_env.client


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def api_client(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    """The API in process on each database, without Temporal (tests/api.py)."""
    from tests.api import in_process_api

    async with in_process_api(database_url, session_factory) as client:
        yield client


def _module_marks(item: pytest.Item) -> set[str]:
    marks = getattr(getattr(item, "module", None), "pytestmark", [])
    return {mark.name for mark in (marks if isinstance(marks, list) else [marks])}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files marked ``long`` first, then the other e2e ones, each file's tests kept
    together: with ``--dist loadfile`` a worker takes a whole file, and a long one taken
    last keeps the run waiting while the other workers have nothing left to do."""

    def rank(item: pytest.Item) -> int:
        marks = _module_marks(item)
        return 0 if "long" in marks else 1 if "e2e" in marks else 2

    items.sort(key=rank)
