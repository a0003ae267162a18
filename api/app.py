"""The API's app factory and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from api import codec
from api.console.app import install_console
from api.department.routes import install as install_department_page
from api.docs import install_docs
from api.metrics import MetricsMiddleware
from api.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from api.policy import authorise
from api.problems import COMMON_PROBLEMS, install_problem_handlers
from api.routers import (
    access,
    auth,
    campaigns,
    cases,
    deadlines,
    evidence,
    health,
    legal,
    letters,
    notifications,
    reassignments,
    register,
    reports,
    tasks,
    tracks,
    upkeep,
    users,
)
from casework.checks import log_operating_warnings
from casework.metrics import READ_MODEL
from casework.settings import Settings
from casework.temporal import connect
from casework.tracing import instrument_app, instrument_engine
from services.db import make_engine, make_session_factory
from services.users.recent import RecentUsers
from services.users.signin import PasswordChecks, SignInGuard, SignInLimits

DESCRIPTION = (
    "Case handling for an assistance centre that helps veterans and military families: "
    "training, job placement, start-up aid, fee/tax relief and legal aid. Sign in at "
    "`POST /auth/token` and send the token as `Authorization: Bearer …`."
)


def api_engine(settings: Settings) -> Engine:
    """The API's engine: a request's statements end at the statement timeout (PostgreSQL),
    so a slow one answers 503 rather than hold a connection and a thread."""
    timeout = settings.database_statement_timeout_ms
    return make_engine(settings.database_url, statement_timeout_ms=timeout)


def create_app(settings: Settings) -> FastAPI:
    if settings.auth_token_secret is None:
        raise ValueError("AUTH_TOKEN_SECRET must be set: it signs the sign-in tokens")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = api_engine(settings)
        instrument_engine(engine)
        app.state.session_factory = make_session_factory(engine)
        READ_MODEL.watch(app.state.session_factory)  # counted when /metrics is scraped
        await run_in_threadpool(log_operating_warnings, settings, app.state.session_factory)
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
        # Served from vendored files by install_docs: FastAPI's pages load a CDN.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.sign_in_guard = sign_in_guard(settings)  # the console's sign-in uses it too
    app.state.recent_users = RecentUsers()  # callers checked in the last few seconds
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        # A county's register spreadsheet is larger than any JSON body.
        larger={
            "/register/imports": settings.max_import_bytes,
            # An evidence file, with its multipart envelope.
            "*/evidence": settings.max_evidence_bytes + 64 * 1024,
        },
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    app.add_middleware(RequestContextMiddleware)  # even a 413 carries its id
    if settings.cors_origins():  # the Temporal UI, calling the codec routes
        app.add_middleware(codec.CodecCors, origins=settings.cors_origins())
    app.add_middleware(MetricsMiddleware)  # outermost: every answer is counted
    install_problem_handlers(app)
    install_docs(app)
    instrument_app(app)  # when tracing is configured (casework.tracing)
    for router in (health, auth, users, cases, upkeep):
        app.include_router(router.router)
    for track_router in tracks.routers:
        app.include_router(track_router)
    for router in (
        legal,
        letters,
        evidence,
        tasks,
        reports,
        deadlines,
        access,
        reassignments,
        notifications,
    ):
        app.include_router(router.router)
    for router in (register, campaigns, codec):
        app.include_router(router.router)
    install_department_page(app)
    install_console(app)
    return app


def sign_in_guard(settings: Settings) -> SignInGuard:
    """This process's limits on sign-ins and on password checks running at once."""
    return SignInGuard(
        limits=SignInLimits(
            per_user_address=settings.auth_rate_limit,
            per_address=settings.auth_rate_limit_per_address,
            overall=settings.auth_rate_limit_global,
            window=timedelta(seconds=settings.auth_rate_window_seconds),
        ),
        checks=PasswordChecks(
            concurrency=settings.auth_hash_concurrency, waiting=settings.auth_hash_waiting
        ),
    )
