"""Intake meets the register: the person a case is for, found in the register by the
duplicate rules of intake, or added to it.

Called by the API before the case's workflow starts, in a transaction of its own: the
register is written by the API (docs/architecture-register.md), the case by its
workflow, which records the person's id with the intake."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from services.cases.model import Claimant, ClaimantCategory, Relation
from services.kernel.actors import Actor
from services.kernel.errors import InvalidInput, StepRejected
from services.register import journal, matching, people
from services.register.journal import Action
from services.register.model import BEREAVED, Category, Person, PersonIn
from services.register.people import PersonErased, PersonNotFound

# A person added at intake without a township is listed under this one until staff
# correct it on their page (a campaign gives its households to the supervisor).
UNKNOWN_TOWNSHIP = "待核实"
CATEGORY_OF_CLAIMANT = {
    ClaimantCategory.VETERAN: Category.VETERAN,
    ClaimantCategory.MILITARY_FAMILY: Category.ACTIVE_DUTY_FAMILY,
    ClaimantCategory.MARTYR_FAMILY: Category.MARTYR_FAMILY,
}
RELATION_ZH = {
    Relation.SPOUSE: "配偶",
    Relation.PARENT: "父母",
    Relation.CHILD: "子女",
    Relation.SIBLING: "兄弟姐妹",
    Relation.OTHER: "其他",
}
ADDRESS_LENGTH = 200  # the register's address is a short text; the case keeps it whole


class AmbiguousPerson(StepRejected):
    code = "ambiguous_person"


def person_for_intake(
    *,
    session: Session,
    claimant: Claimant,
    centre: str,
    actor: Actor,
    identity_key: bytes,
    case_id: str,
    person_id: str | None = None,
    township: str | None = None,
) -> str | None:
    """The id of the register's person the case is for: ``person_id`` if given (of this
    centre, not erased); else the one person the duplicate rules find (one with the same
    ID number before any found by name); else the claimant, added to the register.

    None when the claimant gives nothing to find them by again (no ID number, birth date
    or phone): added, each intake of theirs would add them once more. The journal
    records the link (the case's id, how the person was found)."""
    if person_id is not None:
        found_by, linked = "named", _named(session, person_id, centre)
    else:
        keys = matching.keys_of(claimant, identity_key)
        if not (keys.national_id_hash or keys.birth_date or keys.phone_hash):
            return None
        matches = matching.find_people_like(session=session, centre=centre, wanted=keys)
        chosen = [match for match in matches if "national_id" in match.reasons] or matches
        if len(chosen) > 1:
            raise AmbiguousPerson(
                "several people of the register may be this claimant; resend with "
                "register_person_id naming the one",
                field="register_person_id",
                extra={"register_person_ids": [match.person_id for match in chosen]},
            )
        if chosen:
            found_by, linked = ",".join(chosen[0].reasons), chosen[0].person_id
        else:
            person = person_of_claimant(claimant, township)
            if person is None:
                return None
            found_by, linked = "added", people.add_person(
                session=session, person=person, centre=centre, actor=actor,
                identity_key=identity_key, confirm_new=True,
            ).id  # fmt: skip
    journal.write(
        session=session, centre=centre, action=Action.CASE_LINKED, actor=actor,
        person_id=linked, subject=case_id, detail={"found_by": found_by},
    )  # fmt: skip
    return linked


def _named(session: Session, person_id: str, centre: str) -> str:
    try:
        row = people.stored_person(session=session, person_id=person_id, centre=centre)
    except PersonNotFound:
        raise InvalidInput(
            "no such person in this centre's register", field="register_person_id"
        ) from None
    if row.erased_at is not None:
        raise PersonErased("this person was erased from the register", field="register_person_id")
    return row.id


def person_of_claimant(claimant: Claimant, township: str | None) -> PersonIn | None:
    """The claimant as a person of the register; None if the register cannot hold them
    (a name longer than its 50 characters)."""
    try:
        return PersonIn.model_validate(
            {
                "name": claimant.name,
                "category": CATEGORY_OF_CLAIMANT[claimant.category],
                "township": township or UNKNOWN_TOWNSHIP,
                "national_id": claimant.national_id,
                "birth_date": claimant.birth_date,
                "phone": claimant.phone,
                "address": claimant.address[:ADDRESS_LENGTH] if claimant.address else None,
                "household": [
                    {"name": member.name[:50], "relation": RELATION_ZH[member.relation]}
                    for member in claimant.household
                ],
            }
        )
    except ValidationError:
        return None


CLAIMANT_OF_CATEGORY = {
    **{category: ClaimantCategory.VETERAN for category in Category},
    Category.ACTIVE_DUTY_FAMILY: ClaimantCategory.MILITARY_FAMILY,
    **{category: ClaimantCategory.MARTYR_FAMILY for category in BEREAVED},
}
# How county registers write relations (家庭成员 "妻 王芳；子 李明"), as a case's.
RELATION_OF_ZH = {
    **dict.fromkeys(("配偶", "妻", "妻子", "夫", "丈夫", "老伴"), Relation.SPOUSE),
    **dict.fromkeys(("父母", "父", "母", "父亲", "母亲"), Relation.PARENT),
    **dict.fromkeys(("子女", "子", "女", "儿子", "女儿"), Relation.CHILD),
    **dict.fromkeys(("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
                    Relation.SIBLING),
}  # fmt: skip


def claimant_of(person: Person, situation: str | None) -> Claimant:
    """The claimant of a case opened for a person of the register (from a visit)."""
    if person.erased:
        raise PersonErased("this person was erased from the register", field="person_id")
    return Claimant.model_validate(
        {
            "name": person.name,
            "category": CLAIMANT_OF_CATEGORY[person.category],
            "national_id": person.national_id,
            "birth_date": person.birth_date,
            "phone": person.phone,
            "address": person.address,
            "household": [
                {
                    "name": member.name,
                    "relation": RELATION_OF_ZH.get(member.relation or "", Relation.OTHER),
                }
                for member in person.household
            ],
            "situation": situation,
        }
    )
