"""The Temporal UI opens sealed payloads (``/codec/decode``) for a supervisor signed in to
the console: the UI cannot send our bearer token, but the browser sends the console's
cookie along. It counts only from the UI's origin, with a JSON body: a page of any other
site, which the browser would send the cookie from as well, gets nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from casework.codec import DatabaseCaseKeys
from casework.crypto import data_converter
from services.kernel.actors import Role
from tests.api import in_process_app
from tests.conftest import TEST_VAULT
from tests.console.conftest import add_user, csrf_of, sign_in
from tests.test_case_reads import _case, _log_rows
from tests.test_codec_server import STEP, UI, _sealed


@pytest.fixture
async def browser(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in to nothing yet, on an API that lets the UI's origin call /codec."""
    # The API's Temporal client, as far as the codec routes use it: its data converter.
    temporal = SimpleNamespace(
        data_converter=data_converter(TEST_VAULT, DatabaseCaseKeys(session_factory))
    )
    app = in_process_app(database_url, session_factory, temporal, codec_cors_origins=UI)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


async def _decode(
    browser: httpx.AsyncClient,
    sealed: dict[str, object],
    origin: str | None,
    content_type: str = "application/json",
) -> httpx.Response:
    headers = {"Content-Type": content_type} | ({"Origin": origin} if origin else {})
    body = json.dumps({"payloads": [sealed]})
    return await browser.post("/codec/decode", content=body, headers=headers)


async def test_the_ui_opens_a_case_s_payloads_with_a_supervisor_s_console_session(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    supervisor = add_user(session_factory, Role.SUPERVISOR)
    await sign_in(browser, supervisor)
    case = _case(session_factory)
    sealed = await _sealed(session_factory, case.id)

    response = await _decode(browser, sealed, UI)

    assert response.status_code == 200, response.text
    [opened] = response.json()["payloads"]
    assert json.loads(base64.b64decode(opened["data"])) == STEP
    assert response.headers["access-control-allow-origin"] == UI
    assert response.headers["access-control-allow-credentials"] == "true"
    assert _log_rows(session_factory, case.id) == [(supervisor.username, "temporal_ui")]


@pytest.mark.parametrize(
    ("origin", "content_type"),
    [
        ("http://elsewhere.example", "application/json"),  # another site's page
        (None, "application/json"),  # no origin said
        (UI, "text/plain"),  # a form's kind of body, which needs no preflight
    ],
)
async def test_the_cookie_opens_nothing_from_another_origin_or_without_a_json_body(
    browser: httpx.AsyncClient,
    session_factory: sessionmaker[Session],
    origin: str | None,
    content_type: str,
) -> None:
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))
    case = _case(session_factory)
    sealed = await _sealed(session_factory, case.id)

    response = await _decode(browser, sealed, origin, content_type)

    assert response.status_code == 403
    assert "moved to the city" not in response.text
    assert _log_rows(session_factory, case.id) == []


async def test_the_cookie_of_staff_or_of_an_ended_session_opens_nothing(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case = _case(session_factory)
    sealed = await _sealed(session_factory, case.id)
    await sign_in(browser, add_user(session_factory, Role.STAFF))
    as_staff = await _decode(browser, sealed, UI)
    await sign_in(browser, add_user(session_factory, Role.SUPERVISOR))
    kept = dict(browser.cookies)
    await browser.post(
        "/console/sign-out", data={"csrf_token": csrf_of(await browser.get("/console/"))}
    )
    browser.cookies.update(kept)

    after_sign_out = await _decode(browser, sealed, UI)

    assert (as_staff.status_code, after_sign_out.status_code) == (403, 401)
    assert _log_rows(session_factory, case.id) == []
