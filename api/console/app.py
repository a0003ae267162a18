"""Mounting the console on the API's app: its routers, static files and error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from api.console.errors import install_console_errors
from api.console.pages import api_step_routes
from api.console.routes import cases, intake, legal, signin, steps
from api.console.session import csrf_guard

STATIC = Path(__file__).parent / "static"


def install_console(app: FastAPI) -> None:
    """After the API's routers and problem handlers: the console reads both."""
    app.state.console_step_routes = api_step_routes(app.routes)
    for module in (signin, intake, cases, steps, legal):  # /cases/new before /cases/{id}
        app.include_router(module.router, dependencies=[Depends(csrf_guard)])
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    install_console_errors(app)
