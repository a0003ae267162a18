"""The console under the API's strict Content-Security-Policy (scripts and styles of its
own origin only, no inline ones), its pages never cached, its static files cached by
version."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from api.console.assets import asset_url
from api.middleware import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).parents[2] / "api" / "console" / "templates"
INLINE = re.compile(r"""\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=|javascript:|data:""")


def test_no_template_has_inline_styles_scripts_handlers_or_data_urls() -> None:
    found = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in INLINE.finditer(path.read_text())
    ]

    assert found == []


async def test_a_page_is_served_under_the_strict_policy_and_never_stored(
    browser: httpx.AsyncClient,
) -> None:
    page = await browser.get("/console/sign-in")

    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'; style-src 'self'" in CONTENT_SECURITY_POLICY
    assert page.headers["cache-control"] == "no-store"
    assert asset_url("console.css") in page.text and asset_url("favicon.svg") in page.text


async def test_a_static_file_named_by_its_version_is_kept_and_otherwise_checked_again(
    browser: httpx.AsyncClient,
) -> None:
    versioned = await browser.get(asset_url("vendor/htmx.min.js"))
    unversioned = await browser.get("/console/static/vendor/htmx.min.js")
    stale = await browser.get("/console/static/console.css?v=000000000000")
    icon = await browser.get(asset_url("favicon.svg"))

    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert unversioned.headers["cache-control"] == "no-cache"
    assert stale.headers["cache-control"] == "no-cache"
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
