"""The register on each database: people are sealed at rest under a key of their own,
found again by the duplicate rules of intake, changed, listed, read with a journal row,
and erased for good."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench.register_data import national_id
from services.crypto.cipher import KeyRing, new_key
from services.crypto.vault import Vault, current_vault, install_vault
from services.db import transaction
from services.kernel.actors import Actor, Role
from services.kernel.errors import InvalidInput
from services.register import journal, matching, people
from services.register.matching import PossibleDuplicatePerson
from services.register.model import Category, Flag, PersonChange, PersonIn
from services.register.queries import PersonFilter, list_people
from services.register.records import PersonRecord
from services.register.sealing import rewrap_person_keys
from tests.conftest import TEST_IDENTITY_KEY

STAFF = Actor(id="staff-reg", role=Role.STAFF)
ID_NUMBER = national_id(date(1948, 3, 9), 17)


def _centre() -> str:
    return f"reg-{uuid.uuid4().hex[:10]}"


def _person(**overrides: object) -> PersonIn:
    fields: dict[str, object] = {
        "name": "李桂兰",
        "category": Category.MARTYR_FAMILY,
        "township": "城关镇",
        "national_id": ID_NUMBER,
        "phone": "13907770001",
        "address": "城关镇解放路12号",
        "household": [{"name": "王芳", "relation": "儿媳"}],
        "contacts": [{"name": "王强", "phone": "13907770002", "relation": "儿子"}],
        "flags": [Flag.ELDERLY_ALONE, Flag.IN_DIFFICULTY, Flag.ELDERLY_ALONE],
        "note": "老伴已故",
    }
    return PersonIn.model_validate({**fields, **overrides})


def _add(factory: sessionmaker[Session], centre: str, person: PersonIn, **kw: bool) -> str:
    with transaction(factory) as session:
        added = people.add_person(
            session=session, person=person, centre=centre, actor=STAFF,
            identity_key=TEST_IDENTITY_KEY, **kw,
        )  # fmt: skip
    return added.id


def test_personal_fields_are_sealed_at_rest_and_read_back(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    person_id = _add(session_factory, centre, _person())

    with session_factory() as session:
        row = session.get(PersonRecord, person_id)
        assert row is not None
        stored = " ".join(str(value) for value in row.__dict__.values())
        with transaction(session_factory) as reading:
            read = people.read_person(
                session=reading, person_id=person_id, centre=centre, reader=STAFF
            )

    for secret in (ID_NUMBER, "13907770001", "解放路", "王芳", "王强", "老伴"):
        assert secret not in stored
    assert (read.national_id, read.phone, read.address) == (
        ID_NUMBER,
        "13907770001",
        "城关镇解放路12号",
    )
    assert read.birth_date == date(1948, 3, 9)
    assert read.flags == [Flag.ELDERLY_ALONE, Flag.IN_DIFFICULTY]
    assert [(m.name, m.relation) for m in read.household] == [("王芳", "儿媳")]


def test_the_same_person_is_refused_by_id_number_or_by_name_and_birth_date(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    first = _add(session_factory, centre, _person())
    again_by_id = _person(name="李桂蘭")
    by_name_and_birth = _person(national_id=None, phone=None, birth_date=date(1948, 3, 9),
                                name="Li Guilan")  # fmt: skip

    refusals = []
    for attempt in (again_by_id, by_name_and_birth):
        with pytest.raises(PossibleDuplicatePerson) as refused, transaction(session_factory) as s:
            people.add_person(
                session=s, person=attempt, centre=centre, actor=STAFF,
                identity_key=TEST_IDENTITY_KEY,
            )  # fmt: skip
        refusals.append(refused.value)
    elsewhere = _add(session_factory, _centre(), _person())
    confirmed = _add(session_factory, centre, by_name_and_birth, confirm_new=True)

    assert [r.extra["existing_person_ids"] for r in refusals] == [[first], [first]]
    assert refusals[0].extra["matches"][0]["reasons"] == ["national_id", "name_and_birth_date",
                                                         "name_and_phone"]  # fmt: skip
    assert refusals[1].extra["matches"][0]["reasons"] == ["name_and_birth_date"]
    assert len({first, elsewhere, confirmed}) == 3


def test_intake_finds_the_centre_s_people_by_each_key_as_an_import_does(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    same_id = _add(session_factory, centre, _person())
    same_phone = _add(session_factory, centre, _person(national_id=None, name="Li Guilan"),
                      confirm_new=True)  # fmt: skip
    same_birth = _add(session_factory, centre, _person(national_id=None, phone=None,
                      birth_date=date(1948, 3, 9), name="李桂兰"), confirm_new=True)  # fmt: skip
    _add(session_factory, _centre(), _person())
    wanted = matching.keys_of(_person(), TEST_IDENTITY_KEY)
    each = {
        "all": wanted,
        "id": wanted._replace(birth_date=None, phone_hash=None),
        "phone": wanted._replace(birth_date=None, national_id_hash=None),
        "birth date": wanted._replace(phone_hash=None, national_id_hash=None),
    }

    with session_factory() as session:
        at_intake = {
            name: [m.person_id for m in matching.find_people_like(
                session=session, centre=centre, wanted=keys)]
            for name, keys in each.items()
        }  # fmt: skip
        at_import = {
            name: [m.person_id for m in matching.matches_among(keys, matching.candidates(
                session=session, centre=centre, wanted=[keys]))]
            for name, keys in each.items()
        }  # fmt: skip

    assert (
        at_intake
        == at_import
        == {
            "all": sorted([same_id, same_phone, same_birth]),
            "id": [same_id],
            "phone": sorted([same_id, same_phone]),
            "birth date": sorted([same_id, same_birth]),
        }
    )


def test_a_change_keeps_what_was_not_sent_and_the_journal_names_the_fields_only(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    person_id = _add(session_factory, centre, _person())
    change = PersonChange.model_validate({"phone": "13907779999", "flags": ["disabled"]})

    with transaction(session_factory) as session:
        changed = people.change_person(
            session=session, person_id=person_id, change=change, centre=centre, actor=STAFF,
            identity_key=TEST_IDENTITY_KEY,
        )  # fmt: skip
        entries = journal.entries(session=session, centre=centre, person_id=person_id)

    assert (changed.phone, changed.flags, changed.address) == (
        "13907779999", [Flag.DISABLED], "城关镇解放路12号",
    )  # fmt: skip
    assert [(e.action, e.detail) for e in entries] == [
        (journal.Action.PERSON_CHANGED, {"fields": ["flags", "phone"]}),
        (journal.Action.PERSON_ADDED, {}),
    ]


def test_a_required_field_sent_as_null_is_refused_naming_it(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    person_id = _add(session_factory, centre, _person())
    nameless = PersonChange.model_validate({"name": None})

    with pytest.raises(InvalidInput) as refused, transaction(session_factory) as session:
        people.change_person(
            session=session, person_id=person_id, change=nameless, centre=centre, actor=STAFF,
            identity_key=TEST_IDENTITY_KEY,
        )  # fmt: skip

    assert refused.value.field == "name"


def test_lists_filter_by_category_township_flag_and_pinyin_a_page_at_a_time(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    for index, (name, category, township, flags) in enumerate([
        ("张伟", Category.VETERAN, "城关镇", []),
        ("张伟华", Category.DISABLED_VETERAN, "龙泉镇", [Flag.DISABLED]),
        ("王芳", Category.MARTYR_FAMILY, "龙泉镇", [Flag.IN_DIFFICULTY]),
        ("赵强", Category.VETERAN, "龙泉镇", [Flag.IN_DIFFICULTY]),
    ]):  # fmt: skip
        _add(session_factory, centre, _person(
            name=name, category=category, township=township, flags=flags,
            national_id=national_id(date(1960, 1, 1 + index), index), phone=None,
        ))  # fmt: skip

    def names(where: PersonFilter, limit: int = 10) -> list[list[str]]:
        pages, cursor = [], None
        with session_factory() as session:
            while True:
                page = list_people(
                    session=session, centre=centre, where=where, limit=limit, cursor=cursor
                )
                pages.append([item.name for item in page.items])
                if page.next_cursor is None:
                    return pages
                cursor = page.next_cursor

    assert names(PersonFilter(), limit=3) == [["王芳", "张伟", "张伟华"], ["赵强"]]
    assert names(PersonFilter(township="龙泉镇", flag=Flag.IN_DIFFICULTY)) == [["王芳", "赵强"]]
    assert names(PersonFilter(category=Category.VETERAN)) == [["张伟", "赵强"]]
    assert names(PersonFilter(text="zhangw")) == [["张伟", "张伟华"]]
    assert names(PersonFilter(text="伟华")) == [["张伟华"]]


def test_erasure_destroys_the_key_and_every_readable_identifier(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    person_id = _add(session_factory, centre, _person())

    with transaction(session_factory) as session:
        erased = people.erase_person(
            session=session, person_id=person_id, centre=centre, actor=STAFF
        )
        again = people.erase_person(
            session=session, person_id=person_id, centre=centre, actor=STAFF
        )
    with transaction(session_factory) as session:
        read = people.read_person(session=session, person_id=person_id, centre=centre, reader=STAFF)
        row = session.scalar(select(PersonRecord).where(PersonRecord.id == person_id))

    assert (erased, again) == (True, False)
    assert read.erased and (read.name, read.national_id, read.phone, read.household) == (
        "",
        None,
        None,
        [],
    )
    assert row is not None
    assert (row.wrapped_key, row.personal, row.national_id_hash, row.phone_hash, row.birth_date,
            row.name_key) == (None, None, None, None, None, "")  # fmt: skip
    # What the figures need stays.
    assert (read.category, read.township) == (Category.MARTYR_FAMILY, "城关镇")


def test_after_a_master_key_rotation_person_keys_are_rewrapped_and_the_old_key_can_go(
    session_factory: sessionmaker[Session],
) -> None:
    centre = _centre()
    person_id = _add(session_factory, centre, _person())
    old = current_vault().master
    rotated = KeyRing(keys={"next": new_key(), **old.keys}, current="next")
    try:
        install_vault(Vault(rotated))
        with transaction(session_factory) as session:
            assert rewrap_person_keys(session=session) >= 1
        install_vault(Vault(KeyRing(keys={"next": rotated.keys["next"]}, current="next")))
        with transaction(session_factory) as session:
            read = people.read_person(
                session=session, person_id=person_id, centre=centre, reader=STAFF
            )
        assert read.national_id == ID_NUMBER
    finally:
        # Back under the tests' own key, for the other tests that share this database.
        install_vault(Vault(KeyRing(keys=rotated.keys, current=old.current)))
        with transaction(session_factory) as session:
            rewrap_person_keys(session=session)
        install_vault(Vault(old))
