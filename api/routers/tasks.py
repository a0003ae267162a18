"""Work waiting on people, across cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.cases import queries
from services.cases.progress import TaskKind
from services.kernel.actors import Role
from services.kernel.values import SearchText
from services.users.policy import lawyer_scope

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=PROBLEMS)


@router.get("")
def list_tasks(
    session: SessionDep,
    user: SignedIn,
    assignee: Annotated[SearchText | None, Query(max_length=100)] = None,
    role: Role | None = None,
    kind: TaskKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[queries.Task]:
    """Open tasks (assessments, follow-ups, referrals to send, acknowledgements to chase),
    oldest first, for a person and/or a role, on the cases the caller may see."""
    return queries.list_tasks(
        session=session,
        assignee=assignee,
        role=role,
        kind=kind,
        limit=limit,
        centre=user.centre,
        lawyer=lawyer_scope(user),
    )
