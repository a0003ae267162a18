"""Start-up aid: applied → approved (amount) | refused → disbursed (at most the approval)."""

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
from tests.support import SUPERVISOR
from tests.unit.story import Story

PLAN = ApplyStartupAid(
    plan="A noodle stall at the county market", amount_requested=Decimal("20000")
)


def applied() -> tuple[Story, str]:
    story = Story.active(Need.STARTUP_AID)
    return story, story.take(PLAN).startup_aid[0].id


def test_application_is_approved_then_disbursed() -> None:
    story, application_id = applied()
    application = story.current.startup_aid[0]
    assert application.status is StartupStatus.APPLIED
    assert application.amount_requested == Decimal("20000")
    assert application_id.startswith("S")

    approved = story.take(
        ApproveStartupAid(amount_approved=Decimal("15000")), application_id, SUPERVISOR
    )
    assert approved.startup_aid[0].status is StartupStatus.APPROVED
    assert approved.startup_aid[0].amount_approved == Decimal("15000")

    disbursed = story.take(
        DisburseStartupAid(amount=Decimal("15000"), disbursed_on=date(2025, 5, 1)), application_id
    )
    (application,) = disbursed.startup_aid
    assert application.status is StartupStatus.DISBURSED
    assert application.amount_disbursed == Decimal("15000")
    assert application.disbursed_on == date(2025, 5, 1)


def test_disbursing_less_than_approved_is_allowed() -> None:
    story, application_id = applied()
    story.take(ApproveStartupAid(amount_approved=Decimal("15000")), application_id)

    case = story.take(
        DisburseStartupAid(amount=Decimal("9999.99"), disbursed_on=date(2025, 5, 1)),
        application_id,
    )

    assert case.startup_aid[0].amount_disbursed == Decimal("9999.99")


def test_disbursing_more_than_approved_is_refused() -> None:
    story, application_id = applied()
    story.take(ApproveStartupAid(amount_approved=Decimal("15000")), application_id)

    story.refuses(
        DisburseStartupAid(amount=Decimal("15000.01"), disbursed_on=date(2025, 5, 1)),
        "amount_exceeds_approval",
        application_id,
        field="amount",
    )
    assert story.current.startup_aid[0].status is StartupStatus.APPROVED


def test_refused_application_records_the_reason_and_cannot_be_paid() -> None:
    story, application_id = applied()

    refused = story.take(RefuseStartupAid(reason="plan not viable"), application_id, SUPERVISOR)

    (application,) = refused.startup_aid
    assert application.status is StartupStatus.REFUSED
    assert application.refusal_reason == "plan not viable"
    story.refuses(ApproveStartupAid(amount_approved=Decimal("1")), "wrong_status", application_id)
    story.refuses(
        DisburseStartupAid(amount=Decimal("1"), disbursed_on=date(2025, 5, 1)),
        "wrong_status",
        application_id,
    )


def test_disbursing_before_approval_is_refused() -> None:
    story, application_id = applied()

    story.refuses(
        DisburseStartupAid(amount=Decimal("100"), disbursed_on=date(2025, 5, 1)),
        "wrong_status",
        application_id,
    )


def test_startup_steps_on_an_unknown_application_are_refused() -> None:
    story, _ = applied()

    story.refuses(
        ApproveStartupAid(amount_approved=Decimal("1")),
        "unknown_application",
        "S99",
        field="application_id",
    )


def test_startup_aid_needs_the_need_and_positive_amounts() -> None:
    Story.active(Need.JOB_REFERRAL).refuses(PLAN, "need_missing", field="needs")
    with pytest.raises(ValidationError):
        ApproveStartupAid(amount_approved=Decimal("0"))
    with pytest.raises(ValidationError):
        DisburseStartupAid(amount=Decimal("-5"), disbursed_on=date(2025, 5, 1))
