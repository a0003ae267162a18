"""The console's pages under load: server time per page and each page's weight.

The desk console must render each page in at most 100 ms p95 with 10,000 cases in the
read model, and weigh at most 300 kB with its assets (issue: the desk console). The
benchmark signs in as a person does (the sign-in form, its CSRF token, the session
cookie) and then times the pages a desk officer opens all day; the time is measured at
the client on the loopback, so it is the server's time plus a few hundred microseconds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ASSET = re.compile(r'(?:src|href)="(/console/static/[^"]+)"')

Op = Callable[[], Awaitable[Any]]


async def signed_in(api_url: str, username: str, password: str, wait_s: float) -> httpx.AsyncClient:
    """A client holding a console session of ``username``."""
    client = httpx.AsyncClient(base_url=api_url, timeout=wait_s)
    form = await client.get("/console/sign-in")
    found = CSRF.search(form.text)
    if not found:
        raise RuntimeError("the sign-in page has no CSRF token")
    answer = await client.post(
        "/console/sign-in",
        data={"username": username, "password": password, "csrf_token": found.group(1)},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"console sign-in as {username}: {answer.status_code}")
    return client


def pages(case_ids: list[str]) -> dict[str, Callable[[], str]]:
    """The pages timed, each a function giving the next path to open."""
    cases = itertools.cycle(case_ids)
    receipts = itertools.cycle(case_ids)
    return {
        "my-tasks": lambda: "/console/",
        "case-list": lambda: "/console/cases",
        "case-search": lambda: "/console/cases?text=wang&stage=active",
        "case": lambda: f"/console/cases/{next(cases)}",
        "receipt": lambda: f"/console/cases/{next(receipts)}/receipt",
    }


def page_op(client: httpx.AsyncClient, next_path: Callable[[], str]) -> Op:
    async def op() -> None:
        path = next_path()
        response = await client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {response.status_code}")

    return op


async def weight(client: httpx.AsyncClient, path: str) -> dict[str, int]:
    """Bytes of a page and of every static file it refers to, as a first visit loads them
    (uncompressed: the console serves them as they are)."""
    page = await client.get(path)
    assets = sorted(set(ASSET.findall(page.text)))
    asset_bytes = 0
    for asset in assets:
        asset_bytes += len((await client.get(asset)).content)
    return {
        "html_bytes": len(page.content),
        "asset_bytes": asset_bytes,
        "total_bytes": len(page.content) + asset_bytes,
    }
