"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.problems import problem_response
from casework.checks import operating_warnings

router = APIRouter(tags=["health"])
READY_TIMEOUT_S = 3.0


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (it says nothing of its dependencies)."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency is unreachable"}})
async def ready(temporal: TemporalDep, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Temporal and the database both answer; ``warnings`` name what the centre must put
    right (an escalation rung nobody holds, a year coming without a calendar)."""
    checks = {
        "temporal": await _temporal_ok(temporal),
        "database": await run_in_threadpool(_database_ok, session),
    }
    if all(checks.values()):
        warnings = await run_in_threadpool(_warnings, settings, session)
        return JSONResponse({"status": "ready", "checks": checks, "warnings": warnings})
    down = ", ".join(name for name, ok in checks.items() if not ok)
    return problem_response(503, "not_ready", f"unreachable: {down}")


async def _temporal_ok(temporal: TemporalDep) -> bool:
    try:
        return await asyncio.wait_for(temporal.service_client.check_health(), READY_TIMEOUT_S)
    except Exception:
        return False


def _warnings(settings: SettingsDep, session: SessionDep) -> list[dict[str, str]]:
    try:
        return [warning.model_dump() for warning in operating_warnings(settings, session)]
    except Exception:  # not migrated yet, say: ready all the same, as before the checks
        return [{"code": "checks_failed", "detail": "the operating checks could not run"}]
    finally:
        session.rollback()


def _database_ok(session: SessionDep) -> bool:
    try:
        session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
