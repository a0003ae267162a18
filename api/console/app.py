"""Mounting the console on the API's app: its routers, static files and error pages."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from api.console.assets import PREFIX, ConsoleStatic
from api.console.errors import install_console_errors
from api.console.routes import campaigns, cases, intake, legal, password, register, signin, steps
from api.console.session import csrf_guard


def install_console(app: FastAPI) -> None:
    """After the API's routers and problem handlers: the console reads both."""
    # /cases/new before /cases/{id}
    for module in (signin, password, intake, cases, steps, legal, register, campaigns):
        app.include_router(module.router, dependencies=[Depends(csrf_guard)])
    app.mount(PREFIX, ConsoleStatic(), name="console-static")
    install_console_errors(app)
