"""The API in process on each database, with the case workflows on a time-skipping
server and a real worker projecting into that database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from casework.temporal import build_worker
from services.kernel.actors import Role
from tests.api import in_process_api, signed_in
from tests.conftest import TEST_IDENTITY_KEY, TEST_VAULT
from tests.support import time_skipping_server


@dataclass
class Desk:
    """One centre's API, its people and the Temporal client behind it."""

    api: httpx.AsyncClient
    temporal: Client
    session_factory: sessionmaker[Session]
    centre: str

    def person(self, role: Role, name: str | None = None) -> tuple[str, dict[str, str]]:
        return signed_in(self.session_factory, role, self.centre, name=name)

    async def open_case(self, headers: dict[str, str], name: str = "Owner Test") -> str:
        intake = {"claimant": {"name": name, "category": "veteran"}, "needs": ["job_referral"]}
        made = await self.api.post(
            "/cases", json=intake, params={"confirm_new": "true"}, headers=headers
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])


@pytest.fixture
async def desk(database_url: str, session_factory: sessionmaker[Session]) -> AsyncIterator[Desk]:
    converter = data_converter(TEST_VAULT, DatabaseCaseKeys(session_factory))
    async with time_skipping_server(converter) as env:
        with ThreadPoolExecutor(max_workers=4) as executor:
            worker = build_worker(
                env.client,
                task_queue=f"test-{uuid.uuid4()}",
                session_factory=session_factory,
                identity_key=TEST_IDENTITY_KEY,
                activity_executor=executor,
            )
            async with (
                worker,
                in_process_api(database_url, session_factory, env.client, worker.task_queue) as api,
            ):
                yield Desk(api, env.client, session_factory, f"centre-{uuid.uuid4().hex[:8]}")
