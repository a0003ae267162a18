"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from temporalio.client import Client

from casework.settings import Settings
from services.cases.model import Actor, Role


def _temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _current_user() -> Actor:
    # Until sign-in exists every caller acts as intake staff of this deployment.
    return Actor(id="staff", role=Role.STAFF)


TemporalDep = Annotated[Client, Depends(_temporal)]
SessionDep = Annotated[Session, Depends(_session)]
SettingsDep = Annotated[Settings, Depends(_settings)]
CurrentUser = Annotated[Actor, Depends(_current_user)]
