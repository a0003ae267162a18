"""The console through the real app, on each database; no Temporal (pages that take a step
are driven in the browser tests against a real stack)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts
from services.users.model import User
from tests.api import in_process_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(database_url: str, session_factory: sessionmaker[Session]) -> FastAPI:
    return in_process_app(database_url, session_factory, auth_rate_limit=3)


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies, as a browser does."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


def add_user(session_factory: sessionmaker[Session], role: Role = Role.STAFF) -> User:
    user = User(username=f"u-{uuid.uuid4().hex[:10]}", role=role, centre="north")
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password=PASSWORD)
    return user


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, user: User, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/console/sign-in")
    return await client.post(
        "/console/sign-in",
        data={"username": user.username, "password": password, "csrf_token": csrf_of(page)},
    )
