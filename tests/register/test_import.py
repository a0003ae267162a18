"""Importing a county office's spreadsheet on each database: all rows or none, every bad
cell named by row and column, people already there refused (or skipped if asked)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.register_data import HEADINGS, people_rows, spreadsheet
from services.db import transaction
from services.kernel.actors import Actor, Role
from services.kernel.errors import InvalidInput
from services.register import journal, people
from services.register.imports import BadRows, ImportResult, import_people
from services.register.model import Category, Flag
from services.register.queries import PersonFilter, list_people
from services.register.records import PersonRecord
from tests.conftest import TEST_IDENTITY_KEY

STAFF = Actor(id="staff-import", role=Role.STAFF)


def _centre() -> str:
    return f"imp-{uuid.uuid4().hex[:10]}"


def _import(
    factory: sessionmaker[Session], centre: str, data: bytes, skip_existing: bool = False
) -> ImportResult:
    with transaction(factory) as session:
        return import_people(
            session=session, data=data, centre=centre, actor=STAFF,
            identity_key=TEST_IDENTITY_KEY, skip_existing=skip_existing,
        )  # fmt: skip


def _count(factory: sessionmaker[Session], centre: str) -> int:
    with factory() as session:
        return (
            session.scalar(
                select(func.count()).select_from(PersonRecord).where(PersonRecord.centre == centre)
            )
            or 0
        )


def _refusal(factory: sessionmaker[Session], centre: str, data: bytes) -> BadRows:
    with pytest.raises(BadRows) as refused:
        _import(factory, centre, data)
    return refused.value


def test_a_good_file_imports_every_row_with_its_flags_and_household(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    rows = people_rows(30, seed=11)
    household = "王芳(儿媳)；孙子 李明"
    rows[0] |= {"类别": "烈属", "困难": "√", "独居老人": "是", "家庭成员": household}

    result = _import(session_factory, centre, spreadsheet(rows))

    with transaction(session_factory) as session:
        page = list_people(
            session=session, centre=centre, where=PersonFilter(text=rows[0]["姓名"]), limit=5
        )
        entries = journal.entries(session=session, centre=centre)
        first = next(item for item in page.items if item.category is Category.MARTYR_FAMILY)
        read = people.read_person(session=session, person_id=first.id, centre=centre, reader=STAFF)
    assert (result.imported, result.skipped, result.ignored_columns) == (30, [], [])
    assert first.flags == [Flag.ELDERLY_ALONE, Flag.IN_DIFFICULTY]
    assert [(m.relation, m.name) for m in read.household] == [("儿媳", "王芳"), ("孙子", "李明")]
    assert _count(session_factory, centre) == 30
    assert [(e.action, e.detail) for e in entries] == [
        (journal.Action.PEOPLE_IMPORTED, {"imported": 30, "skipped": 0})
    ]


def test_a_file_with_one_bad_row_is_refused_whole_naming_its_row_and_column(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    rows = people_rows(20, seed=12)
    rows[6]["身份证号"] = rows[6]["身份证号"][:-1] + (
        "0" if rows[6]["身份证号"][-1] != "0" else "1"
    )

    refused = _refusal(session_factory, centre, spreadsheet(rows))

    # Row 7 of the people is row 9 of the sheet: a title row and the headings come first.
    assert refused.extra["bad_rows"] == [9]
    assert refused.extra["bad_cells"] == [
        {
            "row": 9,
            "column": "身份证号",
            "cell": "B9",
            "message": "Value error, check digit does not match",
        }
    ]
    assert refused.extra["errors"][0]["field"] == "row 9 身份证号"
    assert _count(session_factory, centre) == 0


def test_every_kind_of_bad_cell_is_named(session_factory: sessionmaker[Session]) -> None:
    rows = people_rows(6, seed=13)
    rows[0]["类别"] = "志愿者"
    rows[1]["困难"] = "也许"
    rows[2]["联系电话"] = "12345"
    rows[3]["姓名"] = ""
    rows[4]["身份证号"] = 420600194701200005  # typed as a number: digits lost

    refused = _refusal(session_factory, _centre(), spreadsheet(rows))

    cells = [(c["row"], c["column"]) for c in refused.extra["bad_cells"]]
    assert cells == [(3, "类别"), (4, "困难"), (5, "联系电话"), (6, "姓名"), (7, "身份证号")]


def test_a_missing_required_column_is_named_on_the_heading_row(
    session_factory: sessionmaker[Session],
) -> None:
    headings = tuple(h for h in HEADINGS if h != "乡镇")

    refused = _refusal(session_factory, _centre(), spreadsheet(people_rows(2, 14), headings))

    assert refused.extra["bad_cells"][0] == {
        "row": 2, "column": "乡镇", "cell": "", "message": "column missing"
    }  # fmt: skip


def test_the_same_person_twice_in_a_file_or_already_registered_is_refused_or_skipped(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    rows = people_rows(5, seed=15)
    _import(session_factory, centre, spreadsheet(rows[:2]))
    twice = [*rows[2:], dict(rows[2], 姓名=rows[2]["姓名"] + "x")]

    within = _refusal(session_factory, centre, spreadsheet(twice))
    registered = _refusal(session_factory, centre, spreadsheet(rows))
    skipping = _import(session_factory, centre, spreadsheet(rows), skip_existing=True)

    assert within.extra["bad_cells"][0]["row"] == 6
    assert within.extra["bad_cells"][0]["message"] == "same person as row 3"
    assert [c["row"] for c in registered.extra["bad_cells"]] == [3, 4]
    assert skipping.imported == 3
    assert [s.row for s in skipping.skipped] == [3, 4]
    assert _count(session_factory, centre) == 5


@pytest.mark.parametrize("data", [b"", b"not a spreadsheet", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_spreadsheet_is_refused_naming_the_file(
    data: bytes, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _import(session_factory, _centre(), data)

    assert refused.value.field == "file"
