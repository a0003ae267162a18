"""The logging safety net: personal data never reaches a log line, by name or by shape."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

from casework.logging import configure_logging, get_logger

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
