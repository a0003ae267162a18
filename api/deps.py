"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from casework.settings import Settings


def _temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


def _session_factory(request: Request) -> sessionmaker[Session]:
    """For work that must commit on its own, apart from the request's session."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


TemporalDep = Annotated[Client, Depends(_temporal)]
SessionDep = Annotated[Session, Depends(_session)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(_session_factory)]
SettingsDep = Annotated[Settings, Depends(_settings)]
