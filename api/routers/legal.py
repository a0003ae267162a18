"""A legal matter as its own workflow holds it (its steps are routes of the legal aid
track, generated in api/routers/tracks.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, TemporalDep
from api.policy import CaseInReach, SignedIn
from api.problems import PROBLEMS
from services.cases.queries import StoredCase
from services.db import lazy_commit
from services.kernel.errors import NotFound
from services.legal_aid.track import TRACK
from services.users.access_log import record_reads
from services.users.model import User
from workflows import client as cases
from workflows.case_contract import MatterSnapshot

router = APIRouter(
    prefix=f"/cases/{{case_id}}/{TRACK.routes.segment}",
    tags=[TRACK.routes.tag],
    responses=PROBLEMS,
)
MatterId = Annotated[
    str, Path(pattern=TRACK.routes.item_pattern, examples=[f"{TRACK.items.prefix}7"])
]


@router.get("/{matter_id}")
async def get_matter(
    stored: CaseInReach,
    matter_id: MatterId,
    temporal: TemporalDep,
    session: SessionDep,
    user: SignedIn,
) -> MatterSnapshot:
    """The legal matter as its own workflow holds it. The read is recorded in the access
    log (a matter holds what was done to the claimant, by whom)."""
    case_id = stored.id
    try:
        matter = await cases.legal_matter(temporal, case_id, matter_id)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        raise NotFound(
            f"case {case_id} has no legal matter {matter_id}",
            code="unknown_matter",
            field="matter_id",
        ) from None
    await run_in_threadpool(_log_matter_read, session, user, stored, matter_id)
    return matter


def _log_matter_read(session: Session, user: User, stored: StoredCase, matter_id: str) -> None:
    lazy_commit(session)
    record_reads(
        session=session,
        reader=(user.username, user.role),
        centre=stored.centre,
        case_ids=[stored.id],
        action="legal_matter",
        fields=[f"{TRACK.items.field}.{matter_id}"],
    )
    session.commit()
