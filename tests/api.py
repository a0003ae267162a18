"""The API in process, over an ASGI transport, with users signed in by token: for API
tests that need no real server (``api_client`` in conftest.py), and with a real worker on
a time-skipping server of its own for those whose steps go through a workflow."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from casework.settings import Settings
from casework.temporal import build_worker
from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts, tokens
from services.users.model import User
from tests.conftest import TEST_IDENTITY_KEY, TEST_VAULT
from tests.support import time_skipping_server

TOKEN_SECRET = "test-token-secret-0123456789abcdefghijkl"


def in_process_app(
    database_url: str,
    session_factory: sessionmaker[Session],
    temporal: Any = None,
    **settings: Any,
) -> FastAPI:
    """The app on ``session_factory`` (and ``temporal``, for routes that start or update
    workflows, or its data converter for the codec's), without its lifespan; ``settings``
    over the tests' own."""
    app = create_app(
        Settings(
            database_url=database_url,
            auth_token_secret=SecretStr(TOKEN_SECRET),
            identity_hash_key=SecretStr(TEST_IDENTITY_KEY.decode()),
            **settings,
        )
    )
    app.state.session_factory = session_factory
    app.state.temporal = temporal
    return app


@asynccontextmanager
async def in_process_api(
    database_url: str,
    session_factory: sessionmaker[Session],
    temporal: Client | None = None,
    task_queue: str = "casework",
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of :func:`in_process_app`."""
    app = in_process_app(database_url, session_factory, temporal, temporal_task_queue=task_queue)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


@dataclass(frozen=True)
class WorkedApi:
    api: httpx.AsyncClient
    env: WorkflowEnvironment
    task_queue: str


@asynccontextmanager
async def worked_api(
    database_url: str,
    session_factory: sessionmaker[Session],
    *,
    queue_prefix: str,
    activity_threads: int = 4,
) -> AsyncIterator[WorkedApi]:
    """:func:`in_process_api` with a real worker projecting into ``session_factory``, on a
    time-skipping server of its own (case keys read from that database)."""
    converter = data_converter(TEST_VAULT, DatabaseCaseKeys(session_factory))
    async with time_skipping_server(converter) as env:
        with ThreadPoolExecutor(max_workers=activity_threads) as executor:
            worker = build_worker(
                env.client,
                task_queue=f"{queue_prefix}-{uuid.uuid4()}",
                session_factory=session_factory,
                identity_key=TEST_IDENTITY_KEY,
                activity_executor=executor,
            )
            async with (
                worker,
                in_process_api(database_url, session_factory, env.client, worker.task_queue) as api,
            ):
                yield WorkedApi(api, env, worker.task_queue)


def signed_in(
    session_factory: sessionmaker[Session], role: Role, centre: str, name: str | None = None
) -> tuple[str, dict[str, str]]:
    """A new user of ``role`` at ``centre``, and the headers that sign them in."""
    user = User(username=name or f"{role}-{uuid.uuid4().hex[:8]}", role=role, centre=centre)
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password="a password")
    token = tokens.issue_token(user, secret=TOKEN_SECRET.encode(), minutes=15, audience="casework")
    return user.username, {"Authorization": f"Bearer {token}"}
