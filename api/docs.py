"""The OpenAPI page (/docs), served from vendored Swagger UI files (api/docs_assets):
nothing is fetched from elsewhere, and the page needs no inline script, so the strict
Content-Security-Policy of every HTML answer (api.middleware) lets it work."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.requests import Request
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS = Path(__file__).resolve().parent / "docs_assets"
ASSETS_URL = "/docs/assets"
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>casework API</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_URL}/init.js"></script>
</body>
</html>
"""


class _Assets(StaticFiles):
    """Public files that change only with a release: a browser may keep them a day."""

    async def get_response(self, path: str, scope: Scope):  # type: ignore[no-untyped-def]
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def install_docs(app: FastAPI) -> None:
    """/docs and its files; FastAPI's own pages (which load Swagger UI and ReDoc from a
    CDN, with inline scripts) are turned off in the app factory."""

    async def docs(_: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app.add_route("/docs", docs, include_in_schema=False)
    app.mount(ASSETS_URL, _Assets(directory=ASSETS), name="docs-assets")
