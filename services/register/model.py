"""A person or household of the register, as values (no I/O)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from services.cases.model import NationalId, Phone
from services.kernel.plausible import BirthDate
from services.kernel.values import Frozen, LongText, ShortText, text_type


class Category(StrEnum):
    """The kinds of 优抚对象 a county centre keeps (《军人抚恤优待条例》 and common practice)."""

    VETERAN = "veteran"
    DISABLED_VETERAN = "disabled_veteran"
    ACTIVE_DUTY_FAMILY = "active_duty_family"
    MARTYR_FAMILY = "martyr_family"
    DUTY_DEATH_FAMILY = "duty_death_family"
    ILLNESS_DEATH_FAMILY = "illness_death_family"
    DEMOBILISED_VETERAN = "demobilised_veteran"
    ILL_RETURNED_VETERAN = "ill_returned_veteran"
    COMBAT_VETERAN = "combat_veteran"


# The official name first (what lists and letters print), then the names county offices
# also write in their spreadsheets.
CATEGORY_NAMES_ZH: dict[Category, tuple[str, ...]] = {
    Category.VETERAN: ("退役军人", "退伍军人", "退役士兵"),
    Category.DISABLED_VETERAN: ("伤残军人", "残疾军人", "伤残退役军人"),
    Category.ACTIVE_DUTY_FAMILY: ("现役军人家属", "军属", "现役军人军属"),
    Category.MARTYR_FAMILY: ("烈士遗属", "烈属", "军烈属"),
    Category.DUTY_DEATH_FAMILY: ("因公牺牲军人遗属",),
    Category.ILLNESS_DEATH_FAMILY: ("病故军人遗属",),
    Category.DEMOBILISED_VETERAN: ("在乡复员军人", "复员军人"),
    Category.ILL_RETURNED_VETERAN: ("带病回乡退伍军人",),
    Category.COMBAT_VETERAN: ("参战参试退役军人", "参战退役军人", "参试退役军人"),
}
# The three families of the fallen (三属), whom every holiday visit reaches.
BEREAVED = (Category.MARTYR_FAMILY, Category.DUTY_DEATH_FAMILY, Category.ILLNESS_DEATH_FAMILY)


class Flag(StrEnum):
    """What matters for visits beyond the category."""

    IN_DIFFICULTY = "in_difficulty"
    ELDERLY_ALONE = "elderly_alone"
    DISABLED = "disabled"


FLAG_NAMES_ZH = {Flag.IN_DIFFICULTY: "困难", Flag.ELDERLY_ALONE: "独居老人", Flag.DISABLED: "残疾"}


def _unique_sorted(flags: list[Flag]) -> list[Flag]:
    return sorted(set(flags))


Flags = Annotated[list[Flag], AfterValidator(_unique_sorted)]
if TYPE_CHECKING:
    PersonName = str
    Township = str
else:
    PersonName = text_type(50, name=True)
    Township = text_type(100)


class HouseholdMember(Frozen):
    name: PersonName
    relation: ShortText | None = Field(default=None, examples=["妻"])
    national_id: NationalId | None = None
    birth_date: BirthDate | None = None


class Contact(Frozen):
    """Someone to call about the household (a child in the city, a village cadre)."""

    name: PersonName
    phone: Phone
    relation: ShortText | None = None


class PersonIn(Frozen):
    """A person of the register as staff enter them (or a spreadsheet row gives them)."""

    name: PersonName = Field(examples=["李桂兰"])
    category: Category
    township: Township = Field(examples=["城关镇"])
    national_id: NationalId | None = None
    birth_date: BirthDate | None = Field(default=None, description="Defaults to the ID number's")
    phone: Phone | None = None
    address: ShortText | None = None
    household: list[HouseholdMember] = Field(default_factory=list, max_length=30)
    contacts: list[Contact] = Field(default_factory=list, max_length=10)
    flags: Flags = Field(default_factory=list)
    note: LongText | None = None


class PersonChange(Frozen):
    """The fields to change; those not sent stay as they are."""

    name: PersonName | None = None
    category: Category | None = None
    township: Township | None = None
    national_id: NationalId | None = None
    birth_date: BirthDate | None = None
    phone: Phone | None = None
    address: ShortText | None = None
    household: list[HouseholdMember] | None = Field(default=None, max_length=30)
    contacts: list[Contact] | None = Field(default=None, max_length=10)
    flags: Flags | None = None
    note: LongText | None = None


# Sealed under the person's own key; the rest stays readable for lists and selection.
PERSONAL_FIELDS = ("national_id", "phone", "address", "household", "contacts", "note")


class Person(Frozen):
    """A person as the register holds them; an erased one keeps only what figures need
    (category, township, flags)."""

    id: str
    centre: str
    name: str
    category: Category
    township: str
    national_id: str | None
    birth_date: date | None
    phone: str | None
    address: str | None
    household: list[HouseholdMember]
    contacts: list[Contact]
    flags: list[Flag]
    note: str | None
    erased: bool = Field(default=False, description="Personal data destroyed for good")
    created_at: datetime
    updated_at: datetime
    created_by: str


class PersonSummary(Frozen):
    id: str
    name: str
    category: Category
    township: str
    flags: list[Flag]
    birth_date: date | None
    erased: bool


class PersonPage(Frozen):
    items: list[PersonSummary]
    next_cursor: str | None
