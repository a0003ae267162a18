"""Mounting the console on the API's app: its routers, static files and error pages."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from api.console.assets import PREFIX, ConsoleStatic
from api.console.errors import install_console_errors
from api.console.routes import (
    accounts,
    audit,
    campaigns,
    cases,
    escalations,
    exports,
    intake,
    legal,
    password,
    register,
    reports,
    signin,
    steps,
)
from api.console.session import csrf_guard


def install_console(app: FastAPI) -> None:
    """After the API's routers and problem handlers: the console reads both."""
    for module in (
        signin,
        password,
        intake,
        cases,
        steps,
        legal,
        reports,
        escalations,
        audit,
        exports,
        accounts,
        register,
        campaigns,
    ):  # /cases/new before /cases/{id}
        app.include_router(module.router, dependencies=[Depends(csrf_guard)])
    app.mount(PREFIX, ConsoleStatic(), name="console-static")
    install_console_errors(app)
