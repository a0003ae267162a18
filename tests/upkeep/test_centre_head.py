"""The top of the escalation ladder can act: a centre head reads every case of the centre,
its escalations and its reports, and takes no step; a rung nobody holds, and a year
coming without a calendar, are reported in /ready (on each database)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts
from tests.api import in_process_app, signed_in
from tests.upkeep.conftest import Desk


async def test_the_centre_head_reads_every_case_escalation_and_report_and_takes_no_step(
    desk: Desk,
) -> None:
    _, staff = desk.person(Role.STAFF)
    _, head = desk.person(Role.HEAD)
    _, other_head = signed_in(desk.session_factory, Role.HEAD, f"{desk.centre}-other")
    case_id = await desk.open_case(staff)
    today = datetime.now(UTC).date()
    period = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}

    case = await desk.api.get(f"/cases/{case_id}", headers=head)
    listed = await desk.api.get("/cases", headers=head)
    escalations = await desk.api.get("/escalations", headers=head)
    report = await desk.api.get("/reports/summary", params=period, headers=head)
    step = await desk.api.post(f"/cases/{case_id}/assessment/start", json={}, headers=head)
    elsewhere = await desk.api.get(f"/cases/{case_id}", headers=other_head)

    assert case.status_code == 200, case.text
    assert [c["id"] for c in listed.json()["items"]] == [case_id]
    assert escalations.status_code == 200 and report.status_code == 200, report.text
    assert step.status_code == 403
    assert elsewhere.status_code == 404


class _Temporal:
    """Answers the readiness check as a reachable Temporal does."""

    class service_client:  # the attribute the check reads
        @staticmethod
        async def check_health() -> bool:
            return True


@pytest.fixture
async def ready_api(
    database_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str, Path]]:
    centre = f"centre-{uuid.uuid4().hex[:8]}"
    app = in_process_app(
        database_url, session_factory, _Temporal(), centre_id=centre, calendar_dir=tmp_path
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client, centre, tmp_path


async def _warnings(api: httpx.AsyncClient) -> dict[str, list[str]]:
    answer = await api.get("/ready")
    assert answer.status_code == 200, answer.text
    found: dict[str, list[str]] = {}
    for warning in answer.json()["warnings"]:
        found.setdefault(warning["code"], []).append(warning["detail"])
    return found


async def test_ready_reports_a_rung_nobody_holds_and_a_year_without_a_calendar(
    ready_api: tuple[httpx.AsyncClient, str, Path], session_factory: sessionmaker[Session]
) -> None:
    api, centre, calendars = ready_api
    this_year = datetime.now(UTC).year
    for year in (this_year, this_year + 1):
        (calendars / f"{year}.json").write_text("{}")

    nobody: dict[str, Any] = await _warnings(api)
    signed_in(session_factory, Role.SUPERVISOR, centre)
    head, _ = signed_in(session_factory, Role.HEAD, centre)
    everyone = await _warnings(api)
    with transaction(session_factory) as session:
        accounts.disable_user(session=session, username=head)
    (calendars / f"{this_year}.json").unlink()
    head_gone = await _warnings(api)

    assert len(nobody["empty_rung"]) == 2
    assert "role supervisor" in nobody["empty_rung"][0]
    assert "role head" in nobody["empty_rung"][1] and "centre_head" in nobody["empty_rung"][1]
    assert "calendar_missing" not in nobody
    assert everyone == {}
    assert [d for d in head_gone["empty_rung"] if "role head" in d]
    assert f"no working-day calendar for {this_year}" in head_gone["calendar_missing"][0]
