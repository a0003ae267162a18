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
from tests.workflows.support import Scenario


def petition(bureau: Bureau, bureau_name: str | None = None) -> SubmitPetition:
    return SubmitPetition(
        bureau=bureau,
        bureau_name=bureau_name,
        request="Waive the registration fee for a veteran's shop",
        submitted_on=date(2025, 4, 2),
    )


async def test_petitions_to_market_regulation_and_tax_are_granted_or_refused(
    scenario: Scenario,
) -> None:
    run = await scenario.open_active(Need.FEE_RELIEF)
    market = (await run.take(petition(Bureau.MARKET_REGULATION))).petitions[0].id
    tax = (await run.take(petition(Bureau.TAX))).petitions[1].id
    assert market != tax
    submitted = await run.case()
    assert [(p.bureau, p.status) for p in submitted.petitions] == [
        (Bureau.MARKET_REGULATION, PetitionStatus.SUBMITTED),
        (Bureau.TAX, PetitionStatus.SUBMITTED),
    ]

    granted = await run.take(
        GrantPetition(relief="registration fee waived", value=Decimal("300")), market
    )
    refused = await run.take(RefusePetition(reason="no exemption for this tax"), tax)

    by_id = {p.id: p for p in refused.petitions}
    assert by_id[market].status is PetitionStatus.GRANTED
    assert by_id[market].relief == "registration fee waived"
    assert by_id[market].value == Decimal("300")
    assert by_id[tax].status is PetitionStatus.REFUSED
    assert by_id[tax].refusal_reason == "no exemption for this tax"
    assert granted.petitions[1].status is PetitionStatus.SUBMITTED


async def test_a_decided_petition_cannot_be_decided_again(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.FEE_RELIEF)
    petition_id = (await run.take(petition(Bureau.TAX))).petitions[0].id
    await run.take(GrantPetition(relief="tax reduced"), petition_id)

    await run.reject(RefusePetition(reason="changed"), "wrong_status", petition_id)
    await run.reject(GrantPetition(relief="again"), "wrong_status", petition_id)
    await run.reject(GrantPetition(relief="x"), "unknown_petition", "P99", field="petition_id")


async def test_other_bureau_requires_its_name() -> None:
    with pytest.raises(ValidationError, match="bureau_name is required"):
        petition(Bureau.OTHER)


async def test_petition_to_a_named_other_bureau_is_accepted(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.FEE_RELIEF)

    case = await run.take(petition(Bureau.OTHER, "County housing office"))

    assert case.petitions[0].bureau is Bureau.OTHER
    assert case.petitions[0].bureau_name == "County housing office"


async def test_petitions_need_an_active_case_with_the_need(scenario: Scenario) -> None:
    at_intake = await scenario.open()
    await at_intake.reject(petition(Bureau.TAX), "wrong_stage")
    without_need = await scenario.open_active(Need.TRAINING)
    await without_need.reject(petition(Bureau.TAX), "need_missing", field="needs")
