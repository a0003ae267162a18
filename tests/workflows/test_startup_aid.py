"""Start-up aid: applied → approved (amount) | refused → disbursed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.cases.model import Need
from services.startup_aid.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
    StartupStatus,
)
from tests.workflows.support import SUPERVISOR, CaseRun, Scenario

PLAN = ApplyStartupAid(
    plan="A noodle stall at the county market", amount_requested=Decimal("20000")
)


async def applied(scenario: Scenario) -> tuple[CaseRun, str]:
    run = await scenario.open_active(Need.STARTUP_AID)
    case = await run.take(PLAN)
    return run, case.startup_aid[0].id


async def test_application_is_approved_then_disbursed(scenario: Scenario) -> None:
    run, application_id = await applied(scenario)
    application = (await run.case()).startup_aid[0]
    assert application.status is StartupStatus.APPLIED
    assert application.amount_requested == Decimal("20000")
    assert application_id.startswith("S")

    approved = await run.take(
        ApproveStartupAid(amount_approved=Decimal("15000")), application_id, SUPERVISOR
    )
    assert approved.startup_aid[0].status is StartupStatus.APPROVED
    assert approved.startup_aid[0].amount_approved == Decimal("15000")

    disbursed = await run.take(
        DisburseStartupAid(amount=Decimal("15000"), disbursed_on=date(2025, 5, 1)), application_id
    )
    (application,) = disbursed.startup_aid
    assert application.status is StartupStatus.DISBURSED
    assert application.amount_disbursed == Decimal("15000")
    assert application.disbursed_on == date(2025, 5, 1)
    assert await run.case() == disbursed


async def test_disbursing_less_than_approved_is_allowed(scenario: Scenario) -> None:
    run, application_id = await applied(scenario)
    await run.take(ApproveStartupAid(amount_approved=Decimal("15000")), application_id)

    case = await run.take(
        DisburseStartupAid(amount=Decimal("9999.99"), disbursed_on=date(2025, 5, 1)),
        application_id,
    )

    assert case.startup_aid[0].amount_disbursed == Decimal("9999.99")


async def test_disbursing_more_than_approved_is_rejected(scenario: Scenario) -> None:
    run, application_id = await applied(scenario)
    await run.take(ApproveStartupAid(amount_approved=Decimal("15000")), application_id)

    await run.reject(
        DisburseStartupAid(amount=Decimal("15000.01"), disbursed_on=date(2025, 5, 1)),
        "amount_exceeds_approval",
        application_id,
        field="amount",
    )
    assert (await run.case()).startup_aid[0].status is StartupStatus.APPROVED


async def test_refused_application_records_the_reason_and_cannot_be_paid(
    scenario: Scenario,
) -> None:
    run, application_id = await applied(scenario)

    refused = await run.take(RefuseStartupAid(reason="plan not viable"), application_id, SUPERVISOR)

    (application,) = refused.startup_aid
    assert application.status is StartupStatus.REFUSED
    assert application.refusal_reason == "plan not viable"
    await run.reject(
        ApproveStartupAid(amount_approved=Decimal("1")), "wrong_status", application_id
    )
    await run.reject(
        DisburseStartupAid(amount=Decimal("1"), disbursed_on=date(2025, 5, 1)),
        "wrong_status",
        application_id,
    )


async def test_disbursing_before_approval_is_rejected(scenario: Scenario) -> None:
    run, application_id = await applied(scenario)

    await run.reject(
        DisburseStartupAid(amount=Decimal("100"), disbursed_on=date(2025, 5, 1)),
        "wrong_status",
        application_id,
    )


async def test_startup_steps_on_an_unknown_application_are_rejected(scenario: Scenario) -> None:
    run, _ = await applied(scenario)

    await run.reject(
        ApproveStartupAid(amount_approved=Decimal("1")),
        "unknown_application",
        "S99",
        field="application_id",
    )


async def test_startup_aid_needs_the_need_and_positive_amounts(scenario: Scenario) -> None:
    run = await scenario.open_active(Need.JOB_REFERRAL)
    await run.reject(PLAN, "need_missing", field="needs")
    with pytest.raises(ValidationError):
        ApproveStartupAid(amount_approved=Decimal("0"))
    with pytest.raises(ValidationError):
        DisburseStartupAid(amount=Decimal("-5"), disbursed_on=date(2025, 5, 1))
