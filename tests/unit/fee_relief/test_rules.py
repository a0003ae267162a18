"""Fee and tax relief: petitions to the market regulation and tax bureaus."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.cases.model import Need
from services.fee_relief.model import (
    Bureau,
    GrantPetition,
    PetitionStatus,
    RefusePetition,
    SubmitPetition,
)
from tests.unit.story import Story


def petition(bureau: Bureau, bureau_name: str | None = None) -> SubmitPetition:
    return SubmitPetition(
        bureau=bureau,
        bureau_name=bureau_name,
        request="Waive the registration fee for a veteran's shop",
        submitted_on=date(2025, 4, 2),
    )


def test_petitions_to_market_regulation_and_tax_are_granted_or_refused() -> None:
    story = Story.active(Need.FEE_RELIEF)
    market = story.take(petition(Bureau.MARKET_REGULATION)).petitions[0].id
    tax = story.take(petition(Bureau.TAX)).petitions[1].id
    assert market != tax
    assert [(p.bureau, p.status) for p in story.current.petitions] == [
        (Bureau.MARKET_REGULATION, PetitionStatus.SUBMITTED),
        (Bureau.TAX, PetitionStatus.SUBMITTED),
    ]

    granted = story.take(
        GrantPetition(relief="registration fee waived", value=Decimal("300")), market
    )
    refused = story.take(RefusePetition(reason="no exemption for this tax"), tax)

    by_id = {p.id: p for p in refused.petitions}
    assert by_id[market].status is PetitionStatus.GRANTED
    assert by_id[market].relief == "registration fee waived"
    assert by_id[market].value == Decimal("300")
    assert by_id[tax].status is PetitionStatus.REFUSED
    assert by_id[tax].refusal_reason == "no exemption for this tax"
    assert granted.petitions[1].status is PetitionStatus.SUBMITTED


def test_a_decided_petition_cannot_be_decided_again() -> None:
    story = Story.active(Need.FEE_RELIEF)
    petition_id = story.take(petition(Bureau.TAX)).petitions[0].id
    story.take(GrantPetition(relief="tax reduced"), petition_id)

    story.refuses(RefusePetition(reason="changed"), "wrong_status", petition_id)
    story.refuses(GrantPetition(relief="again"), "wrong_status", petition_id)
    story.refuses(GrantPetition(relief="x"), "unknown_petition", "P99", field="petition_id")


def test_other_bureau_requires_its_name() -> None:
    with pytest.raises(ValidationError, match="bureau_name is required"):
        petition(Bureau.OTHER)


def test_petition_to_a_named_other_bureau_is_accepted() -> None:
    case = Story.active(Need.FEE_RELIEF).take(petition(Bureau.OTHER, "County housing office"))

    assert case.petitions[0].bureau is Bureau.OTHER
    assert case.petitions[0].bureau_name == "County housing office"


def test_petitions_need_an_active_case_with_the_need() -> None:
    Story.opened(Need.FEE_RELIEF).refuses(petition(Bureau.TAX), "wrong_stage")
    Story.active(Need.TRAINING).refuses(petition(Bureau.TAX), "need_missing", field="needs")
