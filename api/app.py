"""The API's app factory and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.policy import authorise
from api.problems import COMMON_PROBLEMS, install_problem_handlers
from api.routers import (
    access,
    auth,
    cases,
    deadlines,
    health,
    legal,
    reports,
    tasks,
    tracks,
    users,
)
from casework.settings import Settings
from casework.temporal import connect
from services.db import make_engine, make_session_factory
from services.users.attempts import SlidingWindow
from services.users.recent import RecentUsers

DESCRIPTION = (
    "Case handling for an assistance centre that helps veterans and military families: "
    "training, job placement, start-up aid, fee/tax relief and legal aid. Sign in at "
    "`POST /auth/token` and send the token as `Authorization: Bearer …`."
)


def create_app(settings: Settings) -> FastAPI:
    if settings.auth_token_secret is None:
        raise ValueError("AUTH_TOKEN_SECRET must be set: it signs the sign-in tokens")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.session_factory = make_session_factory(engine)
        app.state.temporal = await connect(settings)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="casework",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Deny by default: every route passes the policy, which refuses routes it lacks.
        dependencies=[Depends(authorise)],
        responses=COMMON_PROBLEMS,
    )
    app.state.settings = settings
    app.state.sign_in_attempts = SlidingWindow(
        limit=settings.auth_rate_limit, window_seconds=settings.auth_rate_window_seconds
    )
    app.state.recent_users = RecentUsers()  # callers checked in the last few seconds
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)  # outermost: even a 413 carries its id
    install_problem_handlers(app)
    for router in (health, auth, users, cases):
        app.include_router(router.router)
    for track_router in tracks.routers:
        app.include_router(track_router)
    for router in (legal, tasks, reports, deadlines, access):
        app.include_router(router.router)
    return app
