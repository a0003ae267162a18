"""Case owners: one case handed to another staff member, or many at once (a durable
workflow that moves each case through its own step, with its progress to read)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.policy import SignedIn
from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import IdempotencyKey, StepDep
from services.cases.model import CaseFile
from services.cases.reassignment import MOST_CASES, ReassignmentProgress, cases_in_centre
from services.cases.steps import ReassignCase
from services.kernel.actors import Actor, Role
from services.kernel.errors import InvalidInput, NotFound
from services.kernel.values import Reason, ShortText
from services.users import accounts
from services.users.owners import DisabledOwner, disabled_owners
from workflows import client as cases
from workflows.reassignment_contract import ReassignmentStart

router = APIRouter(tags=["reassignments"], responses=PROBLEMS)
_KEYED_REASSIGNMENTS = uuid.UUID("0b6f3c2e-8d1a-4f57-9a0e-5c4e7b2d9f31")


class ReassignmentRequest(BaseModel):
    """Move to ``to_owner`` either every open case of ``from_owner`` or the cases
    ``case_ids`` (one or the other)."""

    to_owner: ShortText = Field(description="User id of an active staff member")
    from_owner: ShortText | None = Field(
        default=None, description="Move every open case this person owns"
    )
    case_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=MOST_CASES)
    reason: Reason | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ReassignmentRequest:
        if (self.from_owner is None) == (self.case_ids is None):
            raise ValueError("give either from_owner or case_ids")
        if self.from_owner == self.to_owner:
            raise ValueError("from_owner and to_owner are the same person")
        return self


class ReassignmentNotFound(NotFound):
    code = "unknown_reassignment"


@router.post("/cases/{case_id}/owner", tags=["cases"], responses=STEP_PROBLEMS)
async def reassign_case(
    case_id: uuid.UUID, body: ReassignCase, writer: StepDep, session: SessionDep, user: SignedIn
) -> CaseFile:
    """Hand the case to another staff member of the centre, who becomes its owner: its
    staff tasks and clocks follow them (the intake's name stays)."""
    await run_in_threadpool(check_owner, session, body.owner, user.centre, "owner")
    return await writer.apply(case_id, body)


def check_owner(session: Session, username: str, centre: str, field: str) -> None:
    """``username`` is an active staff member of ``centre`` (the console checks it too)."""
    owner = accounts.get_user(session=session, username=username)
    if owner is None or owner.disabled or owner.role is not Role.STAFF or owner.centre != centre:
        raise InvalidInput(
            f"{username} is not the user name of an active staff member of this centre",
            field=field,
        )


@router.get("/reassignments/disabled-owners")
def list_disabled_owners(session: SessionDep, user: SignedIn) -> list[DisabledOwner]:
    """Disabled accounts of the centre that still own open cases (list them with
    ``GET /cases?owner=…&open=true``; move them with ``POST /reassignments``)."""
    return disabled_owners(session=session, centre=user.centre)


@router.post("/reassignments", status_code=status.HTTP_202_ACCEPTED)
async def reassign_cases(
    body: ReassignmentRequest,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    user: SignedIn,
    idempotency_key: IdempotencyKey = None,
) -> ReassignmentProgress:
    """Start moving cases to another owner, each through its own reassignment step; a
    workflow does it, surviving restarts. Follow it at ``Location``."""
    case_ids = await run_in_threadpool(_checked, session, body, user.centre)
    session.rollback()
    reassignment_id = (
        str(uuid.uuid5(_KEYED_REASSIGNMENTS, f"{user.username}\x00{idempotency_key}"))
        if idempotency_key
        else str(uuid.uuid4())
    )
    start = ReassignmentStart(
        id=reassignment_id,
        centre=user.centre,
        to_owner=body.to_owner,
        from_owner=body.from_owner,
        case_ids=case_ids,
        actor=Actor(id=user.username, role=user.role),
        reason=body.reason,
    )
    await cases.start_reassignment(temporal, start, task_queue=settings.temporal_task_queue)
    response.headers["Location"] = f"/reassignments/{reassignment_id}"
    progress = await cases.reassignment_progress(temporal, reassignment_id)
    assert progress is not None
    return progress


def _checked(session: Session, body: ReassignmentRequest, centre: str) -> list[str] | None:
    check_owner(session, body.to_owner, centre, "to_owner")
    if body.from_owner is not None:
        # Anyone who owned cases here, a disabled account above all: not a stranger's name.
        was = accounts.get_user(session=session, username=body.from_owner)
        if was is None or was.centre != centre:
            raise InvalidInput(
                f"{body.from_owner} is not the user name of anyone of this centre",
                field="from_owner",
            )
    if body.case_ids is None:
        return None
    wanted = [str(case_id) for case_id in dict.fromkeys(body.case_ids)]
    found = cases_in_centre(session=session, centre=centre, case_ids=wanted)
    missing = [case_id for case_id in wanted if case_id not in found]
    if missing:
        raise InvalidInput(f"no such case: {', '.join(missing[:5])}", field="case_ids")
    return wanted


@router.get("/reassignments/{reassignment_id}")
async def get_reassignment(
    reassignment_id: Annotated[uuid.UUID, Path()], temporal: TemporalDep, user: SignedIn
) -> ReassignmentProgress:
    """How far the reassignment has got: cases done, failed (with why) and left."""
    progress = await cases.reassignment_progress(temporal, str(reassignment_id))
    if progress is None or progress.centre != user.centre:
        raise ReassignmentNotFound(f"no reassignment {reassignment_id}")
    return progress
