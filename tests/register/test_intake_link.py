"""Intake meets the register, on each database: the person a case is for is found by the
duplicate rules of intake or added, several found are refused naming them, and every
link leaves a journal row."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bench.register_data import national_id
from services.cases.model import Claimant
from services.db import transaction
from services.kernel.actors import Actor, Role
from services.kernel.errors import InvalidInput
from services.register import journal, people
from services.register.intake import UNKNOWN_TOWNSHIP, AmbiguousPerson, person_for_intake
from services.register.model import Category, PersonIn
from tests.conftest import TEST_IDENTITY_KEY

STAFF = Actor(id="staff-intake", role=Role.STAFF)
ID_NUMBER = national_id(date(1951, 6, 2), 31)


def _centre() -> str:
    return f"link-{uuid.uuid4().hex[:10]}"


def _add(factory: sessionmaker[Session], centre: str, **fields: object) -> str:
    person = PersonIn.model_validate(
        {"name": "赵德胜", "category": Category.VETERAN, "township": "龙泉镇", **fields}
    )
    with transaction(factory) as session:
        return people.add_person(
            session=session, person=person, centre=centre, actor=STAFF,
            identity_key=TEST_IDENTITY_KEY, confirm_new=True,
        ).id  # fmt: skip


def _link(
    factory: sessionmaker[Session], centre: str, claimant: dict[str, object], **kw: str
) -> str | None:
    with transaction(factory) as session:
        return person_for_intake(
            session=session, claimant=Claimant.model_validate(claimant), centre=centre,
            actor=STAFF, identity_key=TEST_IDENTITY_KEY, case_id=str(uuid.uuid4()), **kw,
        )  # fmt: skip


def test_intake_finds_the_person_by_id_number_before_anyone_found_by_name(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    same_id = _add(session_factory, centre, national_id=ID_NUMBER)
    _add(session_factory, centre, birth_date=date(1951, 6, 2))  # same name and birth date

    found = _link(session_factory, centre,
                  {"name": "赵德胜", "category": "veteran", "national_id": ID_NUMBER})  # fmt: skip

    assert found == same_id
    with session_factory() as session:
        entries = journal.entries(session=session, centre=centre, person_id=same_id)
    assert (entries[0].action, entries[0].detail) == (
        "case_linked",
        {"found_by": "national_id,name_and_birth_date"},
    )


def test_intake_adds_a_person_not_in_the_register_under_their_township(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    claimant = {"name": "钱秀英", "category": "military_family", "phone": "13907771234",
                "household": [{"name": "钱军", "relation": "child"}]}  # fmt: skip

    added = _link(session_factory, centre, claimant, township="城关镇")
    again = _link(session_factory, centre, claimant)
    unplaced = _link(session_factory, centre, {**claimant, "phone": "13907779999",
                                               "name": "孙立"})  # fmt: skip

    assert added is not None and again == added
    with session_factory() as session:
        person = people.stored_person(session=session, person_id=added, centre=centre)
        opened = people.read_person(session=session, person_id=added, centre=centre, reader=STAFF)
        assert unplaced is not None
        other = people.stored_person(session=session, person_id=unplaced, centre=centre)
    assert (person.township, person.category) == ("城关镇", "active_duty_family")
    assert (opened.phone, opened.household[0].relation) == ("13907771234", "子女")
    assert other.township == UNKNOWN_TOWNSHIP


def test_intake_without_anything_to_find_them_by_again_links_no_one(
    session_factory: sessionmaker[Session],
) -> None:
    assert _link(session_factory, _centre(), {"name": "周平", "category": "veteran"}) is None


def test_several_people_found_are_refused_naming_them_and_one_named_is_taken(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    first = _add(session_factory, centre, birth_date=date(1951, 6, 2))
    second = _add(session_factory, centre, birth_date=date(1951, 6, 2), phone="13907770055")
    claimant = {"name": "赵德胜", "category": "veteran", "birth_date": "1951-06-02"}

    with pytest.raises(AmbiguousPerson) as refused:
        _link(session_factory, centre, claimant)
    named = _link(session_factory, centre, claimant, person_id=second)
    with pytest.raises(InvalidInput) as unknown:
        _link(session_factory, _centre(), claimant, person_id=first)

    assert refused.value.field == "register_person_id"
    assert sorted(refused.value.extra["register_person_ids"]) == sorted([first, second])  # type: ignore[arg-type]
    assert named == second
    assert unknown.value.field == "register_person_id"
