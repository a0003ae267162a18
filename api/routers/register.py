"""The register of the people the centre serves: staff add, change and import people;
staff and supervisors read them (each read of personal data is journaled).

Written here, in one transaction with its journal row, not through a workflow: a person
of the register is a record, not a process (docs/architecture-register.md)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.deps import SessionDep, SessionFactoryDep, SettingsDep
from api.policy import CurrentUser, SignedIn
from api.problems import PROBLEMS
from services.campaigns.visits import Visit, visits_of_person
from services.db import transaction
from services.register import journal, people
from services.register.cases import PersonCase, cases_of_person
from services.register.imports import ImportResult, import_people
from services.register.model import Person, PersonChange, PersonIn, PersonPage, Township
from services.register.queries import PersonFilter, list_people
from services.register.townships import TownshipAssignment, assign_township, townships
from services.users.model import Username

router = APIRouter(prefix="/register", tags=["register"], responses=PROBLEMS)
PersonId = uuid.UUID
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/people")
def list_register(
    session: SessionDep,
    user: SignedIn,
    where: Annotated[PersonFilter, Query()],
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> PersonPage:
    """The centre's register in pinyin order of names, filtered; pass ``next_cursor`` back
    as ``cursor`` for the next page. No personal data beyond name and birth date."""
    return list_people(session=session, centre=user.centre, where=where, limit=limit, cursor=cursor)


@router.post("/people", status_code=status.HTTP_201_CREATED)
def add_person(
    person: PersonIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    actor: CurrentUser,
    confirm_new: Annotated[
        bool, Query(description="Add them even if they seem to be in the register")
    ] = False,
) -> Person:
    """Add a person to the register. If they seem to be there already (same ID number, or
    a same or near-identical name with the same birth date or phone), answers 409 with
    ``existing_person_ids`` unless ``confirm_new=true``."""
    added = people.add_person(
        session=session, person=person, centre=user.centre, actor=actor,
        identity_key=settings.identity_key(),
        confirm_new=confirm_new,
    )  # fmt: skip
    session.commit()
    response.headers["Location"] = f"/register/people/{added.id}"
    return added


@router.get("/people/{person_id}")
def read_person(
    person_id: PersonId, session: SessionDep, user: SignedIn, actor: CurrentUser
) -> Person:
    """One person with their personal data (the read is journaled)."""
    person = people.read_person(
        session=session, person_id=str(person_id), centre=user.centre, reader=actor
    )
    session.commit()
    return person


@router.patch("/people/{person_id}")
def change_person(
    person_id: PersonId,
    change: PersonChange,
    session: SessionDep,
    settings: SettingsDep,
    user: SignedIn,
    actor: CurrentUser,
) -> Person:
    """Change the fields sent (null clears an optional one); the others stay."""
    changed = people.change_person(
        session=session, person_id=str(person_id), change=change, centre=user.centre,
        actor=actor, identity_key=settings.identity_key(),
    )  # fmt: skip
    session.commit()
    return changed


@router.get("/people/{person_id}/visits")
def person_visits(
    person_id: PersonId, session: SessionDep, user: SignedIn, actor: CurrentUser
) -> list[Visit]:
    """Every holiday visit to the person, newest first, with what was found (journaled)."""
    visits = visits_of_person(
        session=session, person_id=str(person_id), centre=user.centre, reader=actor
    )
    session.commit()
    return visits


@router.get("/people/{person_id}/cases")
def person_cases(
    person_id: PersonId, session: SessionDep, user: SignedIn, actor: CurrentUser
) -> list[PersonCase]:
    """The person's cases at the centre, newest first: intake links each case to its
    person (the case's ``register_person_id``). The read is journaled."""
    cases = cases_of_person(
        session=session, person_id=str(person_id), centre=user.centre, reader=actor
    )
    session.commit()
    return cases


@router.post("/imports", status_code=status.HTTP_201_CREATED)
async def import_spreadsheet(
    file: Annotated[UploadFile, File(description="The county office's .xlsx register")],
    session_factory: SessionFactoryDep,
    settings: SettingsDep,
    user: SignedIn,
    actor: CurrentUser,
    skip_existing: Annotated[
        bool, Query(description="Skip people already in the register instead of refusing")
    ] = False,
) -> ImportResult:
    """Import a spreadsheet of one row per person with Chinese headings (姓名, 身份证号,
    类别, 乡镇, 住址, 联系电话, 家庭成员, 困难, 独居老人, 残疾 …): every row, or none. Any
    bad cell refuses the file (422 ``bad_rows``) naming each row and column."""
    data = await file.read()

    def work() -> ImportResult:
        with transaction(session_factory) as session:
            return import_people(
                session=session, data=data, centre=user.centre, actor=actor,
                identity_key=settings.identity_key(),
                skip_existing=skip_existing,
            )  # fmt: skip

    return await run_in_threadpool(work)


@router.get("/townships")
def list_townships(session: SessionDep, user: SignedIn) -> list[TownshipAssignment]:
    """Each township of the register, how many households it has, and who visits them."""
    return townships(session=session, centre=user.centre)


class TownshipStaff(BaseModel):
    staff: Username


@router.put("/townships/{township}")
def set_township_staff(
    township: Annotated[Township, Path()],
    body: TownshipStaff,
    session: SessionDep,
    user: SignedIn,
    actor: CurrentUser,
) -> TownshipAssignment:
    """The member of staff who visits this township's households from now on."""
    assigned = assign_township(
        session=session, centre=user.centre, township=township, staff=body.staff, actor=actor
    )
    session.commit()
    return assigned


@router.get("/journal")
def register_journal(
    session: SessionDep,
    user: SignedIn,
    person_id: PersonId | None = None,
    limit: Limit = 100,
) -> list[journal.JournalEntry]:
    """Who added, changed, imported, read or erased whom, and who recorded which visit."""
    return journal.entries(
        session=session,
        centre=user.centre,
        person_id=str(person_id) if person_id else None,
        limit=limit,
    )
