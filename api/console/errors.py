"""Errors on console pages: the API's own mapping of errors to problem details, shown as
a page in the reader's language (a form shows its own errors beside its fields)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.requests import ClientDisconnect

from api.console.pages import render

Handler = Callable[[Request, Exception], Awaitable[Response]]
SIGN_IN = "/console/sign-in"
CHANGE_PASSWORD = "/console/password"  # noqa: S105 - a page, not a secret


def is_console(request: Request) -> bool:
    return request.url.path.startswith("/console")


async def problem_of(request: Request, error: Exception) -> dict[str, Any]:
    """The problem details the API answers ``error`` with (status, code, detail, errors)."""
    handlers: dict[Any, Handler] = request.app.state.api_error_handlers
    handler = next(
        (handlers[kind] for kind in type(error).__mro__ if kind in handlers),
        handlers[Exception],
    )
    response = await handler(request, error)
    problem: dict[str, Any] = json.loads(bytes(response.body))
    problem["headers"] = {
        name: value for name, value in response.headers.items() if name in ("retry-after",)
    }
    return problem


def install_console_errors(app: FastAPI) -> None:
    """Console requests get pages; every other request the API's problem details."""
    handlers: dict[Any, Handler] = dict(app.exception_handlers)  # type: ignore[arg-type]
    app.state.api_error_handlers = handlers
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, _either(handler))


def _either(api_handler: Handler) -> Handler:
    async def handle(request: Request, error: Exception) -> Response:
        if not is_console(request):
            return await api_handler(request, error)
        return await error_page(request, await problem_of(request, error))

    return handle


async def error_page(request: Request, problem: dict[str, Any]) -> Response:
    code = problem["code"]
    if code in ("session_ended", "not_authenticated") and request.url.path != SIGN_IN:
        return await _sign_in_again(request)
    if code == "password_change_required":  # this page and nothing else until then
        return _go(request, CHANGE_PASSWORD)
    fragment = "HX-Target" in request.headers and "HX-Boosted" not in request.headers
    response = render(
        request,
        "partials/problem.html" if fragment else "error.html",
        user=getattr(request.state, "console_user", None),
        status_code=problem["status"],
        problem=problem,
    )
    response.headers.update(problem.get("headers", {}))
    return response


def _go(request: Request, path: str) -> Response:
    if "HX-Request" in request.headers:  # htmx would swap the page into a part of this one
        return Response(status_code=204, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=303)


async def _sign_in_again(request: Request) -> Response:
    """A page asked for: back to it after signing in. A form posted: its fields travel
    through the sign-in form and fill the form again afterwards."""
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{SIGN_IN}?next={quote(target)}", status_code=303)
    try:
        form = await request.form()
    except ClientDisconnect:  # nothing to carry: the client is gone
        return Response(status_code=400)
    carried = [
        (key, value)
        for key, value in form.multi_items()
        if isinstance(value, str) and key not in ("csrf_token", "idempotency_key")
    ]
    return render(
        request,
        "sign_in.html",
        user=None,
        status_code=401,
        expired=True,
        next=request.url.path,
        carried=carried,
        username="",
        problem=None,
    )
