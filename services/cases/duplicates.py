"""Finding a person's open cases before opening another one for them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, CompoundSelect, select, true, union
from sqlalchemy.orm import Session

from services.cases.identity import claimant_birth_date
from services.cases.lifecycle import Stage
from services.cases.model import Claimant
from services.cases.names import PersonKeys, identifier_hash, name_key, same_person
from services.cases.records import CaseRecord
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
    keys = [
        condition
        for condition in (
            CaseRecord.national_id_hash == id_hash if id_hash else None,
            CaseRecord.phone_hash == phone_hash if phone_hash else None,
            CaseRecord.birth_date == birth_date if birth_date else None,
        )
        if condition is not None
    ]
    if not keys:
        return []
    rows = session.execute(candidates(keys, centre).limit(MAX_CANDIDATES)).all()
    wanted = PersonKeys(name_key(claimant.name), birth_date, id_hash, phone_hash)
    matches = []
    for row in sorted(rows, key=lambda row: row.opened_at):
        reasons = same_person(wanted, row)
        if reasons:
            matches.append(DuplicateMatch(case_id=row.id, reasons=reasons))
    return matches


def candidates(keys: list[ColumnElement[bool]], centre: str | None) -> CompoundSelect[Any]:
    """Open cases sharing any of ``keys``: one indexed lookup per key. (Asked as one
    condition with OR, the planner walks the centre's whole caseload instead.)"""
    columns = (
        CaseRecord.id,
        CaseRecord.opened_at,
        CaseRecord.name_key,
        CaseRecord.national_id_hash,
        CaseRecord.phone_hash,
        CaseRecord.birth_date,
    )
    return union(
        *(
            select(*columns).where(
                key,
                CaseRecord.stage != Stage.CLOSED.value,
                CaseRecord.centre == centre if centre is not None else true(),
            )
            for key in keys
        )
    )


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
