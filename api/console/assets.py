"""The console's static files. Pages name each with a digest of its content
(``console.css?v=…``): a browser keeps that version for a year and asks again only when a
page names another. Any other request for a file must be checked again each time (the
API's default for everything else is ``no-store``, for personal data; these hold none)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"
PREFIX = "/console/static"
KEPT = "public, max-age=31536000, immutable"
CHECKED = "no-cache"


@cache
def _digest(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def asset_url(path: str) -> str:
    """The URL of a static file, naming its version."""
    return f"{PREFIX}/{path}?v={_digest(path)}"


class ConsoleStatic(StaticFiles):
    def __init__(self) -> None:
        super().__init__(directory=STATIC)

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = parse_qs(scope.get("query_string", b"").decode()).get("v")
            named = asked == [_digest(path)]
            response.headers["Cache-Control"] = KEPT if named else CHECKED
        return response
