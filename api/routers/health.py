"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.problems import problem_response
from casework.checks import operating_warnings
from services.cases import stuck

router = APIRouter(tags=["health"])
READY_TIMEOUT_S = 3.0


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (it says nothing of its dependencies)."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency is unreachable"}})
async def ready(temporal: TemporalDep, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Temporal and the database both answer; ``stuck_cases`` counts the cases whose
    projection failed (``casework projection check`` lists them): they do not make the
    service unready, they need an operator; nor do ``warnings``, which name what the
    centre must put right (an escalation rung nobody holds, a year coming without a
    calendar)."""
    stuck_count = await run_in_threadpool(_stuck_count, session)
    checks = {
        "temporal": await _temporal_ok(temporal),
        "database": stuck_count is not None,
    }
    if all(checks.values()):
        warnings = await run_in_threadpool(_warnings, settings, session)
        return JSONResponse(
            {"status": "ready", "checks": checks, "stuck_cases": stuck_count, "warnings": warnings}
        )
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


def _stuck_count(session: SessionDep) -> int | None:
    """The number of stuck cases, or None if the database does not answer."""
    try:
        return stuck.stuck_count(session=session)
    except Exception:
        return None
