"""A person of the register as a case's claimant, and back: categories and household
relations map both ways; an erased person opens no case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.cases.model import Claimant, ClaimantCategory, Relation
from services.register.intake import claimant_of, person_of_claimant
from services.register.model import Category, HouseholdMember, Person
from services.register.people import PersonErased

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _person(category: Category, **fields: object) -> Person:
    values: dict[str, object] = {
        "id": "p1", "centre": "c", "name": "李桂兰", "category": category, "township": "城关镇",
        "national_id": None, "birth_date": None, "phone": "13907770001", "address": None,
        "household": [], "contacts": [], "flags": [], "note": None, "created_at": NOW,
        "updated_at": NOW, "created_by": "staff",
    }  # fmt: skip
    return Person.model_validate({**values, **fields})


@pytest.mark.parametrize(
    ("category", "claimant"),
    [
        (Category.DISABLED_VETERAN, ClaimantCategory.VETERAN),
        (Category.ACTIVE_DUTY_FAMILY, ClaimantCategory.MILITARY_FAMILY),
        (Category.ILLNESS_DEATH_FAMILY, ClaimantCategory.MARTYR_FAMILY),
    ],
)
def test_every_register_category_is_a_claimants(
    category: Category, claimant: ClaimantCategory
) -> None:
    assert claimant_of(_person(category), None).category is claimant


def test_household_relations_written_in_chinese_become_a_cases() -> None:
    household = [HouseholdMember(name="王强", relation="儿子"),
                 HouseholdMember(name="王芳", relation="儿媳")]  # fmt: skip

    made = claimant_of(_person(Category.MARTYR_FAMILY, household=household), "屋顶漏雨")

    assert [m.relation for m in made.household] == [Relation.CHILD, Relation.OTHER]
    assert made.situation == "屋顶漏雨"


def test_a_claimant_added_to_the_register_keeps_their_household_in_chinese() -> None:
    claimant = Claimant.model_validate({
        "name": "钱秀英", "category": "military_family", "address": "路" * 300,
        "household": [{"name": "钱军", "relation": "spouse"}]})  # fmt: skip

    person = person_of_claimant(claimant, None)

    assert person is not None
    assert (person.category, person.township) == (Category.ACTIVE_DUTY_FAMILY, "待核实")
    assert person.household[0].relation == "配偶"
    assert person.address is not None and len(person.address) == 200


def test_an_erased_person_opens_no_case() -> None:
    with pytest.raises(PersonErased):
        claimant_of(_person(Category.VETERAN, erased=True, name=""), None)
