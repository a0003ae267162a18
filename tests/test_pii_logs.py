"""The logging safety net: personal data never reaches a log line, by name or by shape."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from starlette.types import Receive, Scope, Send

from api.middleware import RequestContextMiddleware
from casework.logging import configure_logging, get_logger
from casework.probes import free_port
from casework.processes import _ApiServer, api_server_config
from casework.settings import Settings

NATIONAL_ID = "11010519491231002X"
MOBILE = "13912345678"


@pytest.fixture
def json_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The API's, worker's and CLI's own pipeline, writing JSON lines into a buffer."""
    configure_logging(log_format="json", level="INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line]

    yield lines
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()


Lines = Callable[[], list[dict[str, Any]]]


def test_personal_fields_are_masked_by_name(json_lines: Lines) -> None:
    get_logger("t").info(
        "claimant seen",
        claimant={"name": "Li Wei", "national_id": "X", "phone": "123", "address": "Room 1"},
        address="Lane 7",
        case_id="c-1",
    )

    [line] = json_lines()
    assert line["claimant"] == {
        "name": "Li Wei",
        "national_id": "[masked]",
        "phone": "[masked]",
        "address": "[masked]",
    }
    assert line["address"] == "[masked]"
    assert line["case_id"] == "c-1"


def test_id_and_mobile_numbers_are_masked_anywhere_in_a_line(json_lines: Lines) -> None:
    logging.getLogger("temporalio").warning(
        "update rejected for %s (tel +86 %s)", NATIONAL_ID, MOBILE
    )
    try:
        raise ValueError(f"bad id {NATIONAL_ID.lower()}")
    except ValueError:
        get_logger("t").exception("failed", notes=[f"call {MOBILE}"])

    text = json.dumps(json_lines())
    assert NATIONAL_ID not in text and NATIONAL_ID.lower() not in text
    assert MOBILE not in text
    assert text.count("[masked]") == 4


def test_ids_that_are_not_personal_are_left_alone(json_lines: Lines) -> None:
    get_logger("t").info(
        "projected",
        workflow_id="case-0b6f1c3e-8a4e-4a43-9f57-3d1c1c7a9e10",
        hash="9" * 64,
        added=12345678901234,
    )

    [line] = json_lines()
    assert line["workflow_id"] == "case-0b6f1c3e-8a4e-4a43-9f57-3d1c1c7a9e10"
    assert line["hash"] == "9" * 64
    assert line["added"] == 12345678901234


@pytest.fixture
def console_text() -> Iterator[Callable[[], str]]:
    """The same pipeline as a terminal gets it: the console renderer, into a buffer."""
    configure_logging(log_format="console", level="INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer.getvalue
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()


def _fail_with_a_personal_value() -> None:
    secret_local = "local-value-7731"  # a local variable, as a traceback with locals shows
    raise ValueError(f"no match for {NATIONAL_ID} ({len(secret_local)})")


def test_a_console_traceback_is_masked_and_shows_no_local_variables(
    console_text: Callable[[], str],
) -> None:
    try:
        _fail_with_a_personal_value()
    except ValueError:
        get_logger("t").exception("lookup failed", phone=MOBILE)

    text = console_text()
    assert "Traceback (most recent call last)" in text
    assert "_fail_with_a_personal_value" in text
    assert NATIONAL_ID not in text and MOBILE not in text
    assert "local-value-7731" not in text
    assert "ValueError: no match for [masked]" in text


def test_a_newline_from_a_client_cannot_start_a_line_of_its_own(
    console_text: Callable[[], str],
) -> None:
    forged = "/cases/x\n2026-11-28T00:00:00Z [info     ] admin signed in\r\x1b[2K"
    logging.getLogger("uvicorn.error").warning("bad request for %s", forged)
    get_logger("t").info(forged, path=forged)

    lines = console_text().splitlines()
    assert len(lines) == 2, lines
    assert not any(line.startswith("2026-11-28T00:00:00Z") for line in lines)
    assert "\x1b" not in console_text() and "\r" not in console_text()


async def test_the_access_line_masks_query_values_and_escapes_the_path(
    console_text: Callable[[], str],
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        get_logger("t").info("handled")  # under the request context a path may bind
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    port = free_port()
    config = api_server_config(Settings(api_port=port), RequestContextMiddleware(app))
    server = _ApiServer(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(
                f"http://127.0.0.1:{port}/cases/x%0Aforged%20line/history",
                params={"text": "李伟", "national_id": NATIONAL_ID, "limit": "5"},
            )
    finally:
        server.should_exit = True
        await serving

    text = console_text()
    [access] = [line for line in text.splitlines() if "GET /cases/" in line]
    assert response.status_code == 404
    assert "/cases/x%0Aforged%20line/history?" in access
    assert "text=[masked]" in access and "limit=[masked]" in access
    assert "李伟" not in text and "%E6%9D%8E" not in text.upper()
    assert NATIONAL_ID not in text
    assert not any(line.startswith("forged") for line in text.splitlines())


def test_an_unexpected_error_of_the_command_line_is_logged_masked_without_locals(
    tmp_path: Path,
) -> None:
    # A database that refuses connections: `db upgrade` fails deep inside Alembic, with
    # the URL (and its password) in the local variables of the frames on the way.
    url = "postgresql+psycopg://casework:pw-4471@127.0.0.1:1/casework"
    env = {**os.environ, "DATABASE_URL": url, "LOG_FORMAT": "console"}

    done = subprocess.run(
        [str(Path(sys.executable).parent / "casework"), "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert "command failed" in done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "pw-4471" not in done.stderr + done.stdout
