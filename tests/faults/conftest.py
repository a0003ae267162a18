"""The fault suite ("Nothing lost, nothing doubled"): real processes, real faults.

Run it on its own: ``.venv/bin/pytest -q -p no:cacheprovider tests/faults -m faults``.
Collected without ``-m faults`` (e.g. by a plain ``pytest``), its tests are skipped: each
module starts a stack of its own and the suite takes minutes. Each fault prints one line,
``fault <name>: accepted N, found N, duplicates 0, lost 0`` (with ``-s``; the lines are
repeated at the end of the run in any case); ``FAULTS_DETAILS=1`` adds how each went
(retries and answers seen, reads during the fault, start-up times).
"""

from __future__ import annotations

import json
from collections.abc import Generator

import pytest

from tests.faults.harness import PG_URL, SUMMARY, FaultStack


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "faults: fault injection against a real dev server, worker and API (run with -m faults)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "faults" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="fault suite: run it with -m faults")
    for item in items:
        if item.get_closest_marker("faults"):
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    return f"fault suite read model: {'PostgreSQL' if PG_URL else 'SQLite'}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed fault test shows the warnings and errors its processes logged."""
    report = yield
    stack = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(stack, FaultStack):
        for name in ("api", "worker", "temporal"):
            lines = [line for line in stack.tail(name, 2000).splitlines() if _worth(line)]
            if lines:
                tail = "\n".join(line[:600] for line in lines[-12:])
                report.sections.append((f"{name} log (warnings and errors)", tail))
    return report


def _worth(line: str) -> bool:
    try:
        entry = json.loads(line)
    except ValueError:
        return bool(line.strip())
    return isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("faults")
        for line in SUMMARY:
            terminalreporter.write_line(line)
