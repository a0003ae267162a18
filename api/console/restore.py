"""Forms typed before a session ended, filled again once their author has signed in.

Each console form that posts registers how to show itself filled with given values; the
sign-in page carries the values (never stored anywhere) and hands them back here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.routing import Match, Route

from services.users.model import User

Restorer = Callable[[Request, User, dict[str, str], list[tuple[str, str]]], Awaitable[Response]]
_RESTORERS: dict[str, Restorer] = {}


def restores(path: str) -> Callable[[Restorer], Restorer]:
    """Registers the function that shows the form posted to the route ``path``."""

    def register(restorer: Restorer) -> Restorer:
        _RESTORERS[path] = restorer
        return restorer

    return register


async def restored(
    request: Request, user: User, target: str, values: list[tuple[str, str]]
) -> Response | None:
    """The form that posts to ``target``, filled with ``values``; None if there is none."""
    for path, restorer in _RESTORERS.items():
        route = Route(path, endpoint=lambda: None, methods=["POST"])
        match, scope = route.matches({"type": "http", "path": target, "method": "POST"})
        if match is Match.FULL:
            return await restorer(request, user, scope["path_params"], values)
    return None
