"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import structlog
from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from casework.settings import Settings

log = structlog.stdlib.get_logger(__name__)

# These are async on purpose: none does I/O, and FastAPI hands each sync dependency to a
# worker thread and back, which costs far more than their work (such hand-offs were a
# third of a case read's time: docs/performance.md, "Profiles").


async def _temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


async def _session(request: Request) -> AsyncIterator[Session]:
    # Opening a session touches no database. Closing one that still holds a connection
    # rolls back on the event loop, as StepContext does, rather than queue for a thread
    # while holding that connection.
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        _close(session)


def _close(session: Session) -> None:
    """Close the request's session. A connection the database dropped (an outage) fails
    its rollback: the answer is given by then, and the pool discards that connection, so
    the failure is logged, not raised into a request that is already answered."""
    try:
        session.close()
    except Exception as error:
        first_line = (str(error).splitlines() or [""])[0]
        log.warning("closing a database session failed", error=first_line)


async def _session_factory(request: Request) -> sessionmaker[Session]:
    """For work that must commit on its own, apart from the request's session."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


TemporalDep = Annotated[Client, Depends(_temporal)]
SessionDep = Annotated[Session, Depends(_session)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(_session_factory)]
SettingsDep = Annotated[Settings, Depends(_settings)]
