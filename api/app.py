"""The API's app factory and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.middleware import RequestContextMiddleware
from api.problems import install_problem_handlers
from api.routers import cases, deadlines, health, legal, reports, tasks, tracks
from casework.settings import Settings
from casework.temporal import connect
from services.db import make_engine, make_session_factory

DESCRIPTION = (
    "Case handling for an assistance centre that helps veterans and military families: "
    "training, job placement, start-up aid, fee/tax relief and legal aid."
)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.settings = settings
        app.state.session_factory = make_session_factory(engine)
        app.state.temporal = await connect(settings)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="casework", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(RequestContextMiddleware)
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(cases.router)
    app.include_router(tracks.router)
    app.include_router(legal.router)
    app.include_router(tasks.router)
    app.include_router(reports.router)
    app.include_router(deadlines.router)
    return app
