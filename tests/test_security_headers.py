"""Headers of every answer: nosniff, no-store, a strict Content-Security-Policy on HTML
(the OpenAPI page works under it, from vendored files), HSTS over HTTPS, no server
banner."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from api.docs import ASSETS
from casework.probes import free_port
from casework.processes import _ApiServer, api_server_config
from casework.settings import Settings
from services.db import make_engine, make_session_factory

SECRET = "test-token-secret-0123456789abcdefghijkl"


def _app(**overrides: object) -> FastAPI:
    app = create_app(Settings(auth_token_secret=SecretStr(SECRET), **overrides))  # type: ignore[arg-type]
    app.state.temporal = None
    # No lifespan: these answers need neither Temporal nor a database read.
    app.state.session_factory = make_session_factory(make_engine("sqlite://"))
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_scripts = 0
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts.append(found)
            self._in_script = True
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if any(k.startswith("on") for k, _ in attrs) or "style" in found:
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


async def test_every_answer_is_nosniff_and_kept_out_of_caches(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/auth/me"),  # 401: problem details
        await client.get("/no-such-route"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert "content-security-policy" not in response.headers, "not HTML"


async def test_the_docs_page_runs_only_its_own_scripts_under_a_strict_policy(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs")
    parsed = _Page()
    parsed.feed(page.text)
    policy = page.headers["content-security-policy"]
    assets = [await client.get(url) for url in parsed.urls]

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self';" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert parsed.inline_scripts == 0
    assert [s["src"] for s in parsed.scripts] == [
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/init.js",
    ]
    assert all(url.startswith("/docs/assets/") for url in parsed.urls), "nothing from elsewhere"
    assert [a.status_code for a in assets] == [200] * len(assets)
    assert all(a.headers["x-content-type-options"] == "nosniff" for a in assets)
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/redoc")).status_code == 404, "ReDoc loads a CDN"


def test_the_vendored_files_are_the_recorded_release() -> None:
    record = (ASSETS / "README.md").read_text()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        digest = hashlib.sha256((ASSETS / name).read_bytes()).hexdigest()
        assert re.search(rf"`{re.escape(name)}` .*`{digest}`", record), name
    assert "Apache License" in (ASSETS / "LICENSE").read_text()


@pytest.mark.parametrize(
    ("base_url", "hsts_seconds", "expected"),
    [
        ("https://casework", 31536000, "max-age=31536000; includeSubDomains"),
        ("http://casework", 31536000, None),
        ("https://casework", 0, None),
    ],
)
async def test_hsts_is_sent_over_https_only_and_can_be_turned_off(
    base_url: str, hsts_seconds: int, expected: str | None
) -> None:
    transport = httpx.ASGITransport(app=_app(hsts_seconds=hsts_seconds))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        response = await client.get("/health")

    assert response.headers.get("strict-transport-security") == expected


async def test_the_server_names_no_software() -> None:
    port = free_port()
    settings = Settings(auth_token_secret=SecretStr(SECRET), api_port=port)
    config = api_server_config(settings, _app())
    config.lifespan = "off"  # the app's would connect to Temporal; /health needs nothing
    server = _ApiServer(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/health")
    finally:
        server.should_exit = True
        await serving

    assert response.status_code == 200
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
