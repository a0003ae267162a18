"""Every route of the API as (method, path template): what the policy must cover."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import SecretStr
from starlette.routing import BaseRoute

from api.app import create_app
from casework.settings import Settings


def _walk(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # An included router stays a branch of its own (FastAPI >= 0.16x): walk into it.
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None and hasattr(inner, "routes"):
            yield from _walk(inner.routes)


def api_routes(app: FastAPI | None = None) -> set[tuple[str, str]]:
    app = app or create_app(Settings(auth_token_secret=SecretStr("x" * 32)))
    return {(method, route.path) for route in _walk(app.routes) for method in route.methods}
