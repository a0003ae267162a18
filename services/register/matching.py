"""Is this person in the register already? The duplicate rules of intake
(``services.cases.names.same_person``) over the register of one centre."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, CompoundSelect, Row, bindparam, select, union
from sqlalchemy.orm import Session

from services.cases.identity import claimant_birth_date
from services.cases.model import Claimant
from services.cases.names import PersonKeys, identifier_hash, name_key, same_person
from services.kernel.errors import DomainError
from services.register.model import PersonIn
from services.register.records import PersonRecord

# Keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500
_COLUMNS = (
    PersonRecord.id,
    PersonRecord.name_key,
    PersonRecord.birth_date,
    PersonRecord.national_id_hash,
    PersonRecord.phone_hash,
)


class PersonMatch(BaseModel):
    person_id: str
    reasons: list[str]


class PossibleDuplicatePerson(DomainError):
    code = "possible_duplicate"


def keys_of(person: PersonIn | Claimant, identity_key: bytes) -> PersonKeys:
    return PersonKeys(
        name_key=name_key(person.name),
        birth_date=claimant_birth_date(person),
        national_id_hash=(
            identifier_hash(identity_key, person.national_id) if person.national_id else None
        ),
        phone_hash=identifier_hash(identity_key, person.phone) if person.phone else None,
    )


def find_people_like(*, session: Session, centre: str, wanted: PersonKeys) -> list[PersonMatch]:
    """People of the centre's register who seem to be ``wanted``: one indexed lookup per
    key, as at intake."""
    keys = {
        column.key: value
        for column, value in (
            (PersonRecord.national_id_hash, wanted.national_id_hash),
            (PersonRecord.phone_hash, wanted.phone_hash),
            (PersonRecord.birth_date, wanted.birth_date),
        )
        if value is not None
    }
    if not keys:
        return []
    rows = session.execute(_lookups(*keys), {**keys, "centre": centre}).all()
    return matches_among(wanted, rows)


@functools.cache
def _lookups(*columns: str) -> CompoundSelect[Any]:
    """The lookups of one person by these of their keys, built once per set of keys: the
    statement ``candidates`` makes for one person, with plain parameters (building it
    and expanding its IN lists at each intake took nine tenths of the lookup's CPU)."""
    return union(
        *(
            select(*_COLUMNS).where(
                getattr(PersonRecord, column) == bindparam(column),
                PersonRecord.centre == bindparam("centre"),
                PersonRecord.erased_at.is_(None),
            )
            for column in columns
        )
    )


def candidates(*, session: Session, centre: str, wanted: Sequence[PersonKeys]) -> list[Row[Any]]:
    """Everyone of the centre sharing an ID hash, phone hash or birth date with any of
    ``wanted`` (a whole spreadsheet at once, a chunk of keys per lookup)."""
    by_column: list[tuple[Any, set[Any]]] = [
        (PersonRecord.national_id_hash, {w.national_id_hash for w in wanted} - {None}),
        (PersonRecord.phone_hash, {w.phone_hash for w in wanted} - {None}),
        (PersonRecord.birth_date, {w.birth_date for w in wanted} - {None}),
    ]
    conditions: list[ColumnElement[bool]] = [
        column.in_(chunk)
        for column, values in by_column
        for chunk in _chunks(sorted(values), CHUNK)
    ]
    found: dict[str, Any] = {}
    for batch in _chunks(conditions, 8):
        query = union(
            *(
                select(*_COLUMNS).where(
                    condition, PersonRecord.centre == centre, PersonRecord.erased_at.is_(None)
                )
                for condition in batch
            )
        )
        found.update((row.id, row) for row in session.execute(query))
    return list(found.values())


def matches_among(wanted: PersonKeys, rows: Iterable[Any]) -> list[PersonMatch]:
    matches = []
    for row in rows:
        reasons = same_person(wanted, row)
        if reasons:
            matches.append(PersonMatch(person_id=row.id, reasons=reasons))
    return sorted(matches, key=lambda match: match.person_id)


def refuse_duplicates(matches: list[PersonMatch]) -> None:
    if matches:
        raise PossibleDuplicatePerson(
            "this person seems to be in the register already; resend with "
            "confirm_new=true if it is someone else",
            field="name",
            extra={
                "existing_person_ids": [match.person_id for match in matches],
                "matches": [match.model_dump() for match in matches],
            },
        )


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
