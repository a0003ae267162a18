"""What a centre must put right before it bites, reported at start-up (API and worker) and
in ``/ready``: an escalation rung nobody holds, a year coming without a working-day
calendar. Neither stops the service: they are warnings, not failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from casework.settings import Settings
from services.deadlines.calendar import missing_years
from services.users.rungs import empty_rungs

log = structlog.stdlib.get_logger(__name__)


class OperatingWarning(BaseModel):
    code: str
    detail: str


def operating_warnings(settings: Settings, session: Session) -> list[OperatingWarning]:
    found = [
        OperatingWarning(
            code="empty_rung",
            detail=f"no active account of {rung.centre} holds the role {rung.role}: breaches "
            f"escalated to the {rung.rung} rung reach nobody (casework users add … {rung.role})",
        )
        for rung in empty_rungs(session=session, centre=settings.centre_id)
    ]
    local_today = (datetime.now(UTC) + timedelta(minutes=settings.utc_offset_minutes())).date()
    found += [
        OperatingWarning(
            code="calendar_missing",
            detail=f"no working-day calendar for {year} in {settings.calendar_dir}: its "
            "deadlines would count weekends only (casework calendar import FILE; "
            "docs/deployment.md, Working-day calendars)",
        )
        for year in missing_years(settings.calendar_dir, local_today)
    ]
    return found


def log_operating_warnings(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    """Log each warning; a database not reachable or not migrated yet is said so, once."""
    try:
        with session_factory() as session:
            warnings = operating_warnings(settings, session)
    except Exception as error:  # the process starts anyway; /ready checks again
        log.warning("operating checks not run", error=type(error).__name__)
        return
    for warning in warnings:
        log.warning("operating check", code=warning.code, detail=warning.detail)
