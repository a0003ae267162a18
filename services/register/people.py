"""Adding, changing, reading, listing and erasing the people of the register.

Every write and every read of personal data leaves a journal row in the same
transaction; the caller owns the transaction (and commits it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.cases.names import PersonKeys
from services.kernel.actors import Actor
from services.kernel.errors import InvalidInput, NotFound, StepRejected
from services.kernel.values import stored_values
from services.register import journal, matching, sealing
from services.register.journal import Action
from services.register.model import (
    PERSONAL_FIELDS,
    Contact,
    Flag,
    HouseholdMember,
    Person,
    PersonChange,
    PersonIn,
)
from services.register.records import PersonRecord

PLACE = "register_person.personal"
# A flag is a boolean column of its name; in sorted order, as PersonIn keeps them.
FLAG_COLUMNS = {flag: flag.value for flag in sorted(Flag)}


class PersonNotFound(NotFound):
    code = "person_not_found"


class PersonErased(StepRejected):
    code = "person_erased"


def readable_columns(person: PersonIn, keys: PersonKeys) -> dict[str, Any]:
    """The columns lists, lookups and the selection of households read in the clear."""
    return {
        "name": person.name,
        "name_key": keys.name_key,
        "category": person.category.value,
        "township": person.township,
        "birth_date": keys.birth_date,
        **{column: flag in person.flags for flag, column in FLAG_COLUMNS.items()},
        "national_id_hash": keys.national_id_hash,
        "phone_hash": keys.phone_hash,
    }


def new_person_row(
    person: PersonIn,
    *,
    keys: PersonKeys,
    centre: str,
    created_by: str,
    at: datetime,
    import_id: str | None = None,
) -> dict[str, Any]:
    """The row of a new person, sealed under a key of their own (a plain dict, so that an
    import inserts thousands in one statement)."""
    person_id = str(uuid.uuid4())
    ring, wrapped, master_key_id = sealing.new_person_key(person_id)
    return {
        "id": person_id,
        "centre": centre,
        **readable_columns(person, keys),
        "personal": sealing.seal(ring, PLACE, person_id, _personal(person)),
        "wrapped_key": wrapped,
        "master_key_id": master_key_id,
        "import_id": import_id,
        "created_by": created_by,
        "created_at": at,
        "updated_at": at,
        "erased_at": None,
    }


def add_person(
    *,
    session: Session,
    person: PersonIn,
    centre: str,
    actor: Actor,
    identity_key: bytes,
    confirm_new: bool = False,
) -> Person:
    """Add one person; refused (409, naming them) if they seem to be there already,
    unless ``confirm_new``."""
    keys = matching.keys_of(person, identity_key)
    if not confirm_new:
        matching.refuse_duplicates(
            matching.find_people_like(session=session, centre=centre, wanted=keys)
        )
    at = datetime.now(UTC)
    row = PersonRecord(
        **new_person_row(person, keys=keys, centre=centre, created_by=actor.id, at=at)
    )
    session.add(row)
    session.flush()
    journal.write(
        session=session, centre=centre, action=Action.PERSON_ADDED, actor=actor,
        person_id=row.id, at=at,
    )  # fmt: skip
    return _opened(row)


def change_person(
    *,
    session: Session,
    person_id: str,
    change: PersonChange,
    centre: str,
    actor: Actor,
    identity_key: bytes,
) -> Person:
    """Change the fields sent; the journal names which (never their values)."""
    row = _row(session, person_id, centre, for_update=True)
    if row.erased_at is not None:
        raise PersonErased(f"person {person_id} was erased; add them again if need be")
    current = _opened(row)
    sent = change.model_dump(exclude_unset=True)
    try:
        merged = PersonIn.model_validate(
            {**current.model_dump(include=set(PersonIn.model_fields)), **sent}
        )
    except ValidationError as invalid:  # e.g. a required field sent as null
        first = invalid.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(first["msg"], field=field) from None
    for column, value in readable_columns(merged, matching.keys_of(merged, identity_key)).items():
        setattr(row, column, value)
    ring = sealing.person_ring(row.id, row.wrapped_key)
    row.personal = sealing.seal(ring, PLACE, row.id, _personal(merged))
    row.updated_at = datetime.now(UTC)
    session.flush()
    journal.write(
        session=session, centre=centre, action=Action.PERSON_CHANGED, actor=actor,
        person_id=row.id, detail={"fields": sorted(sent)}, at=row.updated_at,
    )  # fmt: skip
    return _opened(row)


def read_person(*, session: Session, person_id: str, centre: str, reader: Actor) -> Person:
    """One person with their personal data; the read is journaled."""
    person = _opened(_row(session, person_id, centre))
    journal.write(
        session=session, centre=centre, action=Action.PERSON_READ, actor=reader,
        person_id=person_id,
    )  # fmt: skip
    return person


def erase_person(*, session: Session, person_id: str, centre: str, actor: Actor) -> bool:
    """Destroy the person's key and every readable identifier; what visits and figures
    need (category, township, flags) stays. False if they were erased already."""
    row = _row(session, person_id, centre, for_update=True)
    if row.erased_at is not None:
        return False
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))  # overwrite the freed bytes
    at = datetime.now(UTC)
    for column in ("wrapped_key", "master_key_id", "personal", "national_id_hash",
                   "phone_hash", "birth_date"):  # fmt: skip
        setattr(row, column, None)
    row.name, row.name_key, row.erased_at, row.updated_at = "", "", at, at
    session.flush()
    journal.write(
        session=session, centre=centre, action=Action.PERSON_ERASED, actor=actor,
        person_id=person_id, at=at,
    )  # fmt: skip
    return True


def stored_person(*, session: Session, person_id: str, centre: str) -> PersonRecord:
    """The person's row (to seal or open what belongs to them); 404 if not there."""
    return _row(session, person_id, centre)


def _row(session: Session, person_id: str, centre: str, for_update: bool = False) -> PersonRecord:
    query = select(PersonRecord).where(PersonRecord.id == person_id, PersonRecord.centre == centre)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise PersonNotFound(f"no person {person_id} in the register")
    return row


def _personal(person: PersonIn) -> dict[str, Any]:
    return person.model_dump(mode="json", include=set(PERSONAL_FIELDS))


def _opened(row: PersonRecord) -> Person:
    personal: dict[str, Any] = {}
    if row.erased_at is None and row.personal is not None:
        ring = sealing.person_ring(row.id, row.wrapped_key)
        personal = sealing.open_sealed(ring, PLACE, row.id, row.personal)
    with stored_values():
        return _person(row, personal)


def _person(row: PersonRecord, personal: dict[str, Any]) -> Person:
    return Person(
        id=row.id,
        centre=row.centre,
        name=row.name,
        category=row.category,
        township=row.township,
        birth_date=row.birth_date,
        flags=[flag for flag, column in FLAG_COLUMNS.items() if getattr(row, column)],
        national_id=personal.get("national_id"),
        phone=personal.get("phone"),
        address=personal.get("address"),
        household=[HouseholdMember.model_validate(m) for m in personal.get("household", [])],
        contacts=[Contact.model_validate(c) for c in personal.get("contacts", [])],
        note=personal.get("note"),
        erased=row.erased_at is not None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )
