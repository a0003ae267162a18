"""Importing a county office's spreadsheet into the register: all rows or none.

Each row becomes a person as if entered by hand (same validation, same duplicate rules,
each sealed under a key of their own); any bad cell, and any row that is someone already
in the file or the register, refuses the whole file with every problem named by row and
column. With ``skip_existing``, people already in the register are skipped instead.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.cases.names import PersonKeys, same_person
from services.kernel.actors import Actor
from services.kernel.errors import InvalidInput
from services.register import journal, matching
from services.register.journal import Action
from services.register.model import PersonIn
from services.register.people import new_person_row
from services.register.records import PersonRecord
from services.register.spreadsheet import CellProblem, Sheet, SheetRow, read_sheet

MAX_LISTED = 200  # problems named in one answer; the count says if there were more
INSERT_BATCH = 1_000


class SkippedRow(BaseModel):
    row: int
    person_ids: list[str]


class ImportResult(BaseModel):
    import_id: str
    imported: int
    skipped: list[SkippedRow]
    ignored_columns: list[str]


class BadRows(InvalidInput):
    code = "bad_rows"

    def __init__(self, problems: list[CellProblem]) -> None:
        rows = sorted({problem.row for problem in problems})
        listed = sorted(problems, key=lambda p: (p.row, p.cell))[:MAX_LISTED]
        first = listed[0]
        super().__init__(
            f"{len(problems)} problem(s) in {len(rows)} row(s); nothing was imported. "
            f"First: row {first.row} {first.column}: {first.message}",
            extra={
                "errors": [
                    {"field": f"row {p.row} {p.column}", "message": p.message} for p in listed
                ],
                "bad_cells": [p.__dict__ for p in listed],
                "bad_rows": rows,
            },
        )


def import_people(
    *,
    session: Session,
    data: bytes,
    centre: str,
    actor: Actor,
    identity_key: bytes,
    skip_existing: bool = False,
) -> ImportResult:
    sheet = read_sheet(data)
    people = _validated(sheet)
    keys = {number: matching.keys_of(person, identity_key) for number, person in people.items()}
    _refuse_repeats_within(sheet, keys)
    existing = _already_registered(session, centre, keys)
    if existing and not skip_existing:
        for number, person_ids in existing.items():
            sheet.problems.append(
                CellProblem(number, sheet.headings["name"], _cell(sheet, number, "name"),
                            f"already in the register: {', '.join(person_ids)}")
            )  # fmt: skip
    if sheet.problems:
        raise BadRows(sheet.problems)
    import_id, at = str(uuid.uuid4()), datetime.now(UTC)
    rows = [
        new_person_row(person, keys=keys[number], centre=centre, created_by=actor.id, at=at,
                       import_id=import_id)
        for number, person in people.items()
        if number not in existing
    ]  # fmt: skip
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(PersonRecord), rows[start : start + INSERT_BATCH])
    skipped = [SkippedRow(row=n, person_ids=ids) for n, ids in sorted(existing.items())]
    journal.write(
        session=session, centre=centre, action=Action.PEOPLE_IMPORTED, actor=actor,
        subject=import_id, at=at, detail={"imported": len(rows), "skipped": len(skipped)},
    )  # fmt: skip
    return ImportResult(
        import_id=import_id,
        imported=len(rows),
        skipped=skipped,
        ignored_columns=sheet.ignored_columns,
    )


def _validated(sheet: Sheet) -> dict[int, PersonIn]:
    """Each row as a person; what does not validate becomes a problem of its cell."""
    people = {}
    failed_rows = {problem.row for problem in sheet.problems}
    for row in sheet.rows:
        if row.row in failed_rows:
            continue  # its cells are reported already; validating it would repeat them
        try:
            people[row.row] = PersonIn.model_validate(_without_empty(row.values))
        except ValidationError as invalid:
            for error in invalid.errors():
                field = str(error["loc"][0]) if error["loc"] else "name"
                sheet.problems.append(_problem(sheet, row, field, error["msg"]))
    return people


def _refuse_repeats_within(sheet: Sheet, keys: dict[int, PersonKeys]) -> None:
    """A row that is the same person as an earlier row of the file."""
    seen: dict[Any, list[int]] = defaultdict(list)
    for number, wanted in keys.items():
        earlier = {n for key in _lookup_keys(wanted) for n in seen[key]}
        for other in sorted(earlier):
            if reasons := same_person(wanted, keys[other]):
                field = "national_id" if "national_id" in reasons else "name"
                sheet.problems.append(
                    _problem(sheet, _sheet_row(sheet, number), field, f"same person as row {other}")
                )
                break
        for key in _lookup_keys(wanted):
            seen[key].append(number)


def _already_registered(
    session: Session, centre: str, keys: dict[int, PersonKeys]
) -> dict[int, list[str]]:
    rows = matching.candidates(session=session, centre=centre, wanted=list(keys.values()))
    by_key: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        for key in _lookup_keys(row):
            by_key[key].append(row)
    found = {}
    for number, wanted in keys.items():
        near = {row.id: row for key in _lookup_keys(wanted) for row in by_key[key]}
        matches = matching.matches_among(wanted, near.values())
        if matches:
            found[number] = [match.person_id for match in matches]
    return found


def _lookup_keys(keys: Any) -> list[tuple[str, Any]]:
    pairs = [
        ("id", keys.national_id_hash),
        ("phone", keys.phone_hash),
        ("birth", keys.birth_date),
    ]
    return [pair for pair in pairs if pair[1] is not None]


def _without_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value not in (None, "")}


def _problem(sheet: Sheet, row: SheetRow, field: str, message: str) -> CellProblem:
    heading = sheet.headings.get(field, field)
    return CellProblem(row.row, heading, row.cells.get(field, ""), message)


def _sheet_row(sheet: Sheet, number: int) -> SheetRow:
    return sheet.row_at(number)


def _cell(sheet: Sheet, number: int, field: str) -> str:
    return _sheet_row(sheet, number).cells.get(field, "")
