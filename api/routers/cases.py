"""Cases: intake, reading, listing, and the steps that move a case through its stages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.deps import SessionDep, SessionFactoryDep, SettingsDep, TemporalDep
from api.intake import person_held
from api.policy import CaseInReach, SignedIn
from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import StepDep
from services.cases import audit, duplicates, queries
from services.cases.model import CaseFile
from services.cases.numbers import NUMBER_PATTERN
from services.cases.progress import Task
from services.cases.queries import StoredCase
from services.cases.search import search_key
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    CloseCase,
    DecideEligibility,
    OpenCase,
    ReopenCase,
    StartAssessment,
    WithdrawCase,
)
from services.cases.views import case_for, history_for, timeline_for
from services.db import lazy_commit
from services.deadlines.clocks import rules_in_force
from services.kernel.actors import Actor, Role
from services.kernel.errors import CaseNotFound, InvalidInput, NotFound
from services.kernel.plausible import QueryMoment
from services.register.intake import person_for_intake
from services.users import accounts
from services.users.access_log import record_read, record_reads
from services.users.errors import NotAllowed
from services.users.model import User
from services.users.policy import may_see_case, visible_cases
from workflows import client as cases

router = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEMS)
CaseId = uuid.UUID


@router.post("", status_code=status.HTTP_201_CREATED)
async def open_case(
    intake: OpenCase,
    session: SessionDep,
    session_factory: SessionFactoryDep,
    settings: SettingsDep,
    writer: StepDep,
    user: SignedIn,
    confirm_new: Annotated[
        bool, Query(description="Open it even if the person has open cases already")
    ] = False,
) -> CaseFile:
    """Open a case: starts its workflow and returns the case once it is recorded.

    If the person seems to have an open case already (same ID number, or a same or
    near-identical name with the same birth date or phone), answers 409 with
    ``existing_case_ids`` unless ``confirm_new=true``. The case belongs to the caller's
    centre, and refers to its person of the register (``register_person_id``): the one
    named, or the one the same rules find there, or the claimant added to it (under
    ``township``); several found answer 409 with ``register_person_ids``."""
    if intake.centre not in (None, user.centre):
        raise NotAllowed("staff open cases of their own centre", field="centre")
    case_id = writer.new_case_id()
    identity_key = settings.identity_key()
    queue = settings.temporal_task_queue
    async with person_held(session_factory, intake.claimant, identity_key):
        if not confirm_new:
            matches = await run_in_threadpool(
                duplicates.find_open_cases_of,
                session=session,
                claimant=intake.claimant,
                identity_key=identity_key,
                centre=user.centre,
            )
            # A repeat of this very intake (same idempotency key) is not its own duplicate.
            duplicates.refuse_duplicates([m for m in matches if m.case_id != case_id])
        person_id = await run_in_threadpool(
            _person_of, session, intake, user, case_id, identity_key
        )
        # The number is the centre's to give (as the case opens), never the caller's.
        step = intake.model_copy(
            update={"centre": user.centre, "number": None, "register_person_id": person_id}
        )
        rules = await run_in_threadpool(
            rules_in_force,
            datetime.now(UTC),
            settings.calendar_dir,
            settings.utc_offset_minutes(),
            settings.policy(),
        )
        return await writer.open(case_id, step, queue, rules)


def _person_of(
    session: Session,
    intake: OpenCase,
    user: User,
    case_id: str,
    identity_key: bytes,
) -> uuid.UUID | None:
    """The person of the register the case is for, found or added (and journaled),
    committed before the case's workflow records the link (the register is the API's to
    write: docs/architecture-register.md)."""
    found = person_for_intake(
        session=session, claimant=intake.claimant, centre=user.centre,
        actor=Actor(id=user.username, role=user.role), identity_key=identity_key,
        case_id=case_id,
        person_id=str(intake.register_person_id) if intake.register_person_id else None,
        township=intake.township,
    )  # fmt: skip
    session.commit()
    return uuid.UUID(found) if found else None


@router.get("")
def list_cases(
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    where: Annotated[queries.CaseFilter, Query()],
    sort: queries.SortKey = queries.SortKey.OPENED_AT,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> queries.CasePage:
    """Cases matching every given filter, newest first by default; pass ``next_cursor``
    back as ``cursor`` (with the same filters and sort) for the next page. Only cases
    the caller may see: their centre's, or for a lawyer those assigned to them.

    ``national_id`` or ``phone`` look a person up (exact match, through the numbers'
    keyed hashes). Every case listed is recorded in the access log (the list shows the
    claimant's name; a lookup also that the number is theirs)."""
    visible = visible_cases(user, where)
    if visible is None:
        return queries.CasePage(items=[], next_cursor=None)
    page = queries.list_cases(
        session=session,
        limit=limit,
        cursor=cursor,
        where=visible,
        sort=sort,
        descending=order == "desc",
        search_key=search_key(settings.identity_key()) if where.text else None,
        identity_key=settings.identity_key() if visible.lookup() else None,
    )
    log_listed(session, user, page, visible)
    return page


def log_listed(
    session: Session, user: User, page: queries.CasePage, where: queries.CaseFilter
) -> None:
    """Record that ``user`` saw these cases' names (and, on a lookup, their numbers)."""
    lookup = where.lookup()
    lazy_commit(session)
    record_reads(
        session=session,
        reader=(user.username, user.role),
        centre=user.centre,
        case_ids=[item.id for item in page.items],
        action="lookup" if lookup else "list",
        fields=["claimant.name", *(f"claimant.{name}" for name in lookup)],
    )
    session.commit()


@router.get("/by-number/{number}")
def get_case_by_number(
    number: Annotated[str, Path(pattern=NUMBER_PATTERN, examples=["2026-0042"])],
    session: SessionDep,
    user: SignedIn,
) -> CaseFile:
    """The centre's case with this case number (a case out of the caller's reach reads as
    one that does not exist). The read is recorded in the access log."""
    case_id = queries.case_id_by_number(session=session, centre=user.centre, number=number)
    stored = queries.stored_case(session=session, case_id=case_id) if case_id else None
    if stored is None or not may_see_case(user, centre=stored.centre, lawyer=stored.lawyer):
        raise NotFound(f"no case numbered {number}", code="unknown_case_number", field="number")
    return _read_case(stored, session, user, None)


@router.get("/{case_id}")
async def get_case(
    case: CaseInReach,
    session: SessionDep,
    user: SignedIn,
    as_of: Annotated[
        QueryMoment | None, Query(description="Rebuild the case as it stood at this moment")
    ] = None,
) -> CaseFile:
    """One case as the read model holds it, or as it stood at ``as_of``. The read is
    recorded in the access log."""
    # The hottest route: one trip to a worker thread, for the database. As a sync route it
    # would take two (FastAPI checks a sync route's answer in the thread pool too), and
    # on a busy machine each trip costs more than everything else the route does.
    return await run_in_threadpool(_read_case, case, session, user, as_of)


def _read_case(case: StoredCase, session: Session, user: User, as_of: datetime | None) -> CaseFile:
    if as_of is None:
        found: CaseFile | None = queries.opened_case(case)
    else:
        found = audit.case_as_of(session=session, case_id=case.id, as_of=as_of)
    if found is None:
        raise CaseNotFound(f"no case {case.id}" + (f" as of {as_of}" if as_of else ""))
    found = case_for(user.role, found)
    _log_read(session, user, found, "case_as_of" if as_of else "case")
    return found


@router.get("/{case_id}/timeline")
def get_timeline(
    case: CaseInReach,
    session: SessionDep,
    user: SignedIn,
    after_seq: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> audit.TimelinePage:
    """The case's append-only timeline, in order, with each event's hash chain."""
    page = audit.timeline_page(session=session, case_id=case.id, after_seq=after_seq, limit=limit)
    _log_read(session, user, case_for(user.role, queries.opened_case(case)), "timeline")
    return timeline_for(user.role, page)


@router.get("/{case_id}/timeline/verify")
def verify_timeline(case_id: CaseId, session: SessionDep) -> audit.Verification:
    """Check the timeline's hash chain; names the first event that does not hold."""
    return audit.verify_case(session=session, case_id=str(case_id))


def _log_read(session: SessionDep, user: SignedIn, case: CaseFile, action: str) -> None:
    """Record a read of the case's personal data (the fields the case holds) for its
    centre's supervisors, committed before the answer leaves.

    It commits without waiting for the disk (``lazy_commit``): a crash of the API loses
    no row; a crash of the database server or its machine may lose the latest of these
    rows, never case data (other transactions). See ``lazy_commit`` for the bounds."""
    lazy_commit(session)
    record_read(session=session, user=user, case=case, action=action)
    session.commit()


@router.get("/{case_id}/history")
def get_history(
    case: CaseInReach,
    session: SessionDep,
    user: SignedIn,
    after_seq: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> audit.HistoryPage:
    """The case's accepted steps, in order, with who did it, in which role, when; pass
    ``next_after_seq`` back as ``after_seq`` for the next page (each page is recorded in
    the access log: the intake holds the claimant's personal data)."""
    page = audit.history_page(session=session, case_id=case.id, after_seq=after_seq, limit=limit)
    _log_read(session, user, case_for(user.role, queries.opened_case(case)), "history")
    return history_for(user.role, page)


@router.get("/{case_id}/tasks")
async def get_tasks(case_id: CaseId, temporal: TemporalDep) -> list[Task]:
    """The work on this case that is waiting on someone, and on whom."""
    return await cases.open_tasks(temporal, str(case_id))


@router.post("/{case_id}/assessment/start", responses=STEP_PROBLEMS)
async def start_assessment(case_id: CaseId, body: StartAssessment, writer: StepDep) -> CaseFile:
    """Begin assessing eligibility (intake → assessment); the caller becomes the assessor."""
    return await writer.apply(case_id, body)


@router.post("/{case_id}/assessment", responses=STEP_PROBLEMS)
async def decide_eligibility(case_id: CaseId, body: DecideEligibility, writer: StepDep) -> CaseFile:
    """Decide eligibility: accepted → active; rejected (with a reason) → closed."""
    return await writer.apply(case_id, body)


@router.post("/{case_id}/needs", responses=STEP_PROBLEMS)
async def add_need(case_id: CaseId, body: AddNeed, writer: StepDep) -> CaseFile:
    """Add a kind of help the case needs (legal_aid makes it a priority case)."""
    return await writer.apply(case_id, body)


@router.post("/{case_id}/lawyer", responses=STEP_PROBLEMS)
async def assign_lawyer(
    case_id: CaseId, body: AssignLawyer, writer: StepDep, session: SessionDep, user: SignedIn
) -> CaseFile:
    """Assign (or reassign) the case's lawyer: an active lawyer of the case's centre."""
    await run_in_threadpool(check_assignable, session, body, user.centre)
    return await writer.apply(case_id, body)


def check_assignable(session: Session, step: AssignLawyer, centre: str) -> None:
    """The lawyer named is an active lawyer of ``centre`` (the console checks it too)."""
    lawyer = accounts.get_user(session=session, username=step.lawyer)
    # One answer for every refusal: a name of another centre reads as no name at all.
    if (
        lawyer is None
        or lawyer.disabled
        or lawyer.role is not Role.LAWYER
        or lawyer.centre != centre
    ):
        raise InvalidInput(
            f"{step.lawyer} is not the user name of an active lawyer of this centre",
            field="lawyer",
        )


@router.post("/{case_id}/close", responses=STEP_PROBLEMS)
async def close_case(case_id: CaseId, body: CloseCase, writer: StepDep) -> CaseFile:
    """Close with an outcome; a reason is required while anything is still open."""
    return await writer.apply(case_id, body)


@router.post("/{case_id}/withdraw", responses=STEP_PROBLEMS)
async def withdraw_case(case_id: CaseId, body: WithdrawCase, writer: StepDep) -> CaseFile:
    """Withdraw the case at any stage, with a reason."""
    return await writer.apply(case_id, body)


@router.post("/{case_id}/reopen", responses=STEP_PROBLEMS)
async def reopen_case(case_id: CaseId, body: ReopenCase, writer: StepDep) -> CaseFile:
    """Reopen a closed case, with a reason; it returns to the stage it was closed from."""
    return await writer.apply(case_id, body)
