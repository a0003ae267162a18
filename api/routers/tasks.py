"""Work waiting on people, across cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import Field

from api.deps import SessionDep, SettingsDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.cases import queries
from services.users.policy import lawyer_scope

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=PROBLEMS)


class LocalTask(queries.Task):
    due_local: datetime | None = Field(
        description="The due time in the centre's local time (CENTRE_TIMEZONE)"
    )


@router.get("")
def list_tasks(
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    where: Annotated[queries.TaskFilter, Query()],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[LocalTask]:
    """Open work (decisions, interviews, courses under way, follow-ups, referrals to send,
    acknowledgements to chase …) for a person and/or a role, on the cases the caller may
    see: soonest due first, each with its due time from its clock, in UTC and in the
    centre's local time; those without a clock last."""
    zone = ZoneInfo(settings.centre_timezone)
    tasks = queries.list_tasks(
        session=session,
        where=where,
        now=datetime.now(UTC),
        limit=limit,
        centre=user.centre,
        lawyer=lawyer_scope(user),
    )
    return [
        LocalTask(
            **task.model_dump(),
            due_local=task.due_at.astimezone(zone) if task.due_at else None,
        )
        for task in tasks
    ]
