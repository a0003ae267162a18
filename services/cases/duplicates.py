"""Finding a person's open cases before opening another one for them."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from sqlalchemy import CompoundSelect, bindparam, select, union
from sqlalchemy.orm import Session

from services.cases.identity import claimant_birth_date
from services.cases.lifecycle import Stage
from services.cases.model import Claimant
from services.cases.names import PersonKeys, identifier_hash, name_key, same_person
from services.cases.records import CaseRecord
from services.cases.sealing import opened_column
from services.crypto.case_keys import unwrapped_ring
from services.crypto.records import CaseKeyRecord
from services.kernel.errors import DomainError

MAX_CANDIDATES = 200


class DuplicateMatch(BaseModel):
    case_id: str
    reasons: list[str]


class PossibleDuplicate(DomainError):
    code = "possible_duplicate"


def find_open_cases_of(
    *, session: Session, claimant: Claimant, identity_key: bytes, centre: str | None = None
) -> list[DuplicateMatch]:
    """Open cases of the same person: same ID number, or a same or near-identical name (in
    pinyin) with the same birth date or phone; with ``centre``, only that centre's (a
    desk must not learn of cases it may not see)."""
    id_hash = identifier_hash(identity_key, claimant.national_id) if claimant.national_id else None
    phone_hash = identifier_hash(identity_key, claimant.phone) if claimant.phone else None
    birth_date = claimant_birth_date(claimant)
    keys = {
        name: value
        for name, value in (
            ("national_id_hash", id_hash),
            ("phone_hash", phone_hash),
            ("birth_date", birth_date),
        )
        if value
    }
    if not keys:
        return []
    query = candidates(*keys, of_centre=centre is not None)
    rows = session.execute(query, {**keys, "centre": centre}).all()
    wanted = PersonKeys(name_key(claimant.name), birth_date, id_hash, phone_hash)
    matches = []
    for row in sorted(rows, key=lambda row: row.opened_at):
        # The name is sealed: opened here, for the few cases that share a key.
        ring = unwrapped_ring(row.id, row.wrapped_key, row.destroyed_at)
        name = opened_column(row.claimant_name, ring, row.id, "claimant_name") or ""
        found = PersonKeys(name_key(name), row.birth_date, row.national_id_hash, row.phone_hash)
        reasons = same_person(wanted, found)
        if reasons:
            matches.append(DuplicateMatch(case_id=row.id, reasons=reasons))
    return matches


@functools.cache
def candidates(*keys: str, of_centre: bool) -> CompoundSelect[Any]:
    """Open cases sharing any of these ``keys`` (columns of ``cases``, each value a bound
    parameter of its name, as is ``centre``): one indexed lookup per key. (Asked as one
    condition with OR, the planner walks the centre's whole caseload instead.) Built
    once per set of keys: building it at each intake cost more than running it."""
    columns = (
        CaseRecord.id,
        CaseRecord.opened_at,
        CaseRecord.claimant_name,
        CaseRecord.national_id_hash,
        CaseRecord.phone_hash,
        CaseRecord.birth_date,
        CaseKeyRecord.wrapped_key,
        CaseKeyRecord.destroyed_at,
    )
    in_centre = (CaseRecord.centre == bindparam("centre"),) if of_centre else ()
    lookups: CompoundSelect[Any] = union(
        *(
            select(*columns)
            .outerjoin(CaseKeyRecord, CaseKeyRecord.case_id == CaseRecord.id)
            .where(
                getattr(CaseRecord, key) == bindparam(key),
                CaseRecord.stage != Stage.CLOSED.value,
                *in_centre,
            )
            for key in keys
        )
    )
    return lookups.limit(MAX_CANDIDATES)


def refuse_duplicates(matches: list[DuplicateMatch]) -> None:
    if matches:
        raise PossibleDuplicate(
            "this person may already have an open case; resend with confirm_new=true "
            "if it is a new case",
            field="claimant",
            extra={
                "existing_case_ids": [match.case_id for match in matches],
                "matches": [match.model_dump() for match in matches],
            },
        )
