"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import SessionDep, TemporalDep
from api.problems import problem_response
from services.cases import stuck

router = APIRouter(tags=["health"])
READY_TIMEOUT_S = 3.0


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (it says nothing of its dependencies)."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency is unreachable"}})
async def ready(temporal: TemporalDep, session: SessionDep) -> JSONResponse:
    """Temporal and the database both answer; ``stuck_cases`` counts the cases whose
    projection failed (``casework projection check`` lists them): they do not make the
    service unready, they need an operator."""
    stuck_count = await run_in_threadpool(_stuck_count, session)
    checks = {
        "temporal": await _temporal_ok(temporal),
        "database": stuck_count is not None,
    }
    if all(checks.values()):
        return JSONResponse({"status": "ready", "checks": checks, "stuck_cases": stuck_count})
    down = ", ".join(name for name, ok in checks.items() if not ok)
    return problem_response(503, "not_ready", f"unreachable: {down}")


async def _temporal_ok(temporal: TemporalDep) -> bool:
    try:
        return await asyncio.wait_for(temporal.service_client.check_health(), READY_TIMEOUT_S)
    except Exception:
        return False


def _stuck_count(session: SessionDep) -> int | None:
    """The number of stuck cases, or None if the database does not answer."""
    try:
        return stuck.stuck_count(session=session)
    except Exception:
        return None
