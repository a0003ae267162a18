"""Who read which case's personal data: the access log, for supervisors."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.users.access_log import AccessEntry, AccessFilter, reads_of

router = APIRouter(tags=["access log"], responses=PROBLEMS)
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/access-log")
def centre_access_log(
    user: SignedIn,
    session: SessionDep,
    where: Annotated[AccessFilter, Query()],
    limit: Limit = 100,
) -> list[AccessEntry]:
    """Reads of personal data of the centre's cases, newest first; by who read
    (``username``), which case (``case_id``) and when (``since``, ``until``)."""
    return reads_of(session=session, centre=user.centre, limit=limit, where=where)


@router.get("/cases/{case_id}/access-log")
def case_access_log(
    case_id: uuid.UUID, user: SignedIn, session: SessionDep, limit: Limit = 100
) -> list[AccessEntry]:
    """Reads of this case's personal data: who, in which role, when, which fields."""
    return reads_of(session=session, centre=user.centre, case_id=str(case_id), limit=limit)
