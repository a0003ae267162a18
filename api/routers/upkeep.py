"""The daily upkeep of a case: contact notes, and corrections of the claimant's details."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.policy import CaseInReach
from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import StepDep
from services.cases import duplicates, queries
from services.cases.corrections import CorrectClaimant, corrected
from services.cases.model import CaseFile
from services.cases.notes import AddNote
from services.cases.queries import StoredCase

router = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEMS)


@router.post("/{case_id}/notes", status_code=status.HTTP_201_CREATED, responses=STEP_PROBLEMS)
async def add_note(case_id: uuid.UUID, body: AddNote, writer: StepDep) -> CaseFile:
    """Write down a contact (a call, a visit, a letter) on the case, optionally about one
    of its items; ``supersedes`` corrects an earlier note, which stays on the timeline.
    The note's text is sealed at rest."""
    return await writer.apply(case_id, body, created="notes/N")


@router.post("/{case_id}/corrections", responses=STEP_PROBLEMS)
async def correct_claimant(
    stored: CaseInReach,
    body: CorrectClaimant,
    writer: StepDep,
    session: SessionDep,
    settings: SettingsDep,
    confirm_new: Annotated[
        bool, Query(description="Correct the ID number even if another open case has it")
    ] = False,
) -> CaseFile:
    """Correct the claimant's details (name, ID number, birth date, phone, address,
    household, situation) with a reason; the timeline keeps what they were. A new ID
    number is checked for duplicates as at intake (409 with ``existing_case_ids``)."""
    if not confirm_new:
        await run_in_threadpool(
            check_corrected_duplicates, session, stored, body, settings.identity_key()
        )
    return await writer.apply(uuid.UUID(stored.id), body)


def check_corrected_duplicates(
    session: Session, stored: StoredCase, step: CorrectClaimant, identity_key: bytes
) -> None:
    """A corrected ID number that another open case of the centre has is refused (the
    console checks it too)."""
    if step.claimant.national_id is None:
        return
    claimant = corrected(queries.opened_case(stored).claimant, step)
    matches = duplicates.find_open_cases_of(
        session=session, claimant=claimant, identity_key=identity_key, centre=stored.centre
    )
    duplicates.refuse_duplicates([match for match in matches if match.case_id != stored.id])
