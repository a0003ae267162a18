"""The API in process on each database, with the case workflows on a time-skipping server
and a real worker projecting into that database: for the daily upkeep of a case (case
numbers, notes, corrections, lookups, the access log, owners and reassignments)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from services.kernel.actors import Role
from tests.api import signed_in, worked_api


@dataclass
class Desk:
    """One centre's people, signed in, the API they call and the Temporal client behind it."""

    api: httpx.AsyncClient
    temporal: Client
    session_factory: sessionmaker[Session]
    centre: str
    staff: dict[str, str]
    supervisor: dict[str, str]
    lawyer: dict[str, str]
    lawyer_name: str

    def person(self, role: Role, name: str | None = None) -> tuple[str, dict[str, str]]:
        return signed_in(self.session_factory, role, self.centre, name=name)

    async def open(self, **claimant: Any) -> dict[str, Any]:
        """A new case of a veteran needing legal aid, with this lawyer assigned."""
        body = {
            "claimant": {"name": "李伟", "category": "veteran", **claimant},
            "needs": ["legal_aid"],
        }
        opened = await self.api.post(
            "/cases", json=body, params={"confirm_new": "true"}, headers=self.staff
        )
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        assigned = await self.api.post(
            f"/cases/{case_id}/lawyer", json={"lawyer": self.lawyer_name}, headers=self.supervisor
        )
        assert assigned.status_code == 200, assigned.text
        return dict(assigned.json())

    async def open_case(self, headers: dict[str, str], name: str = "Owner Test") -> str:
        """A new case of a veteran needing a job, opened by whoever ``headers`` sign in."""
        intake = {"claimant": {"name": name, "category": "veteran"}, "needs": ["job_referral"]}
        made = await self.api.post(
            "/cases", json=intake, params={"confirm_new": "true"}, headers=headers
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])


@pytest.fixture
async def desk(database_url: str, session_factory: sessionmaker[Session]) -> AsyncIterator[Desk]:
    centre = f"centre-{uuid.uuid4().hex[:10]}"
    async with worked_api(
        database_url, session_factory, queue_prefix="upkeep", activity_threads=8
    ) as running:
        lawyer_name, lawyer = signed_in(session_factory, Role.LAWYER, centre)
        yield Desk(
            api=running.api,
            temporal=running.env.client,
            session_factory=session_factory,
            centre=centre,
            staff=signed_in(session_factory, Role.STAFF, centre)[1],
            supervisor=signed_in(session_factory, Role.SUPERVISOR, centre)[1],
            lawyer=lawyer,
            lawyer_name=lawyer_name,
        )
