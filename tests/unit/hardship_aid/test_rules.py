"""Hardship assistance: requested → granted (an amount) | refused → paid, in payments that
never exceed the grant; the centre decides within 5 working days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.cases.lifecycle import CaseOutcome
from services.cases.model import Need
from services.cases.progress import TaskKind, open_tasks
from services.cases.steps import CloseCase, DecideEligibility
from services.deadlines.policy import policy_with
from services.hardship_aid.model import (
    Difficulty,
    GrantHardshipAid,
    HardshipStatus,
    PayHardshipAid,
    RefuseHardshipAid,
    RequestHardshipAid,
)
from tests.support import intake
from tests.unit.story import CALENDAR_AND_POLICY, Story

REQUEST = RequestHardshipAid(
    difficulty=Difficulty.MEDICAL,
    situation="The son needs surgery; the family owes 3,000 yuan to the county hospital",
    amount_requested=Decimal("3000"),
)


def requested() -> tuple[Story, str]:
    story = Story.active(Need.HARDSHIP_AID)
    return story, story.take(REQUEST).hardship_aid[0].id


def paying(amount: str, on: date = date(2026, 3, 5)) -> PayHardshipAid:
    return PayHardshipAid(amount=Decimal(amount), paid_on=on)


def test_a_request_is_granted_then_paid_in_instalments_up_to_the_grant() -> None:
    story, request_id = requested()
    (request,) = story.current.hardship_aid
    assert request_id == f"H{story.current.version}"
    assert (request.status, request.difficulty) == (HardshipStatus.REQUESTED, Difficulty.MEDICAL)
    assert request.amount_requested == Decimal("3000")
    assert "surgery" in (request.situation or "")

    granted = story.take(GrantHardshipAid(amount_granted=Decimal("2000")), request_id)
    assert granted.hardship_aid[0].status is HardshipStatus.GRANTED
    assert granted.hardship_aid[0].amount_granted == Decimal("2000")
    assert granted.hardship_aid[0].decided_at == granted.updated_at

    first = story.take(paying("1200.00"), request_id)
    assert first.hardship_aid[0].status is HardshipStatus.GRANTED
    assert first.hardship_aid[0].amount_paid == Decimal("1200.00")
    paid = story.take(paying("800.00", date(2026, 4, 5)), request_id)
    assert paid.hardship_aid[0].status is HardshipStatus.PAID
    assert [p.amount for p in paid.hardship_aid[0].payments] == [Decimal("1200"), Decimal("800")]


def test_payments_never_exceed_the_grant() -> None:
    story, request_id = requested()
    story.take(GrantHardshipAid(amount_granted=Decimal("2000")), request_id)
    story.take(paying("1500"), request_id)

    refused = story.refuses(paying("500.01"), "amount_exceeds_grant", request_id, field="amount")

    assert "500.00" in refused.message
    story.take(paying("500"), request_id)
    story.refuses(paying("0.01"), "wrong_status", request_id)


def test_a_refusal_records_its_reason_and_nothing_is_paid() -> None:
    story, request_id = requested()

    refused = story.take(RefuseHardshipAid(reason="income above the fund's line"), request_id)

    assert refused.hardship_aid[0].status is HardshipStatus.REFUSED
    assert refused.hardship_aid[0].refusal_reason == "income above the fund's line"
    story.refuses(paying("1"), "wrong_status", request_id)
    story.refuses(GrantHardshipAid(amount_granted=Decimal("1")), "wrong_status", request_id)


def test_a_request_is_decided_once_and_paid_only_once_granted() -> None:
    story, request_id = requested()

    story.refuses(paying("1"), "wrong_status", request_id)
    story.take(GrantHardshipAid(amount_granted=Decimal("500")), request_id)
    story.refuses(RefuseHardshipAid(reason="changed"), "wrong_status", request_id)
    story.refuses(paying("1"), "unknown_request", "H99", field="request_id")


def test_hardship_aid_needs_an_active_case_with_the_need_and_positive_amounts() -> None:
    Story.opened(Need.HARDSHIP_AID).refuses(REQUEST, "wrong_stage", field="stage")
    Story.active(Need.TRAINING).refuses(REQUEST, "need_missing", field="needs")
    with pytest.raises(ValidationError):
        RequestHardshipAid(difficulty=Difficulty.LIVING, amount_requested=Decimal("0"))
    with pytest.raises(ValidationError):
        RequestHardshipAid(difficulty="lottery", amount_requested=Decimal("5"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        RefuseHardshipAid()  # type: ignore[call-arg]


def test_the_decision_is_due_within_five_working_days_of_the_request() -> None:
    story, request_id = requested()
    (clock,) = [c for c in story.last.clocks if c.kind == "hardship_decision"]
    assert (clock.target, clock.assignee) == (request_id, story.current.intake_by)
    # Requested on a Monday morning: due the next Monday, same time.
    assert clock.due_at - clock.started_at == timedelta(days=7)

    story.later(timedelta(days=8))
    story.refuses(
        GrantHardshipAid(amount_granted=Decimal("100")),
        "late_reason_required",
        request_id,
        field="late_reason",
    )
    story.take(
        GrantHardshipAid(amount_granted=Decimal("100"), late_reason="fund meeting"), request_id
    )

    (met,) = [c for c in story.last.clocks if c.kind == "hardship_decision"]
    assert met.satisfied_at == story.now and met.late_reason == "fund meeting"


def test_a_centre_may_give_itself_longer_to_decide() -> None:
    policy = policy_with({"hardship_decision": {"duration": 10}})
    story = Story(deadlines=CALENDAR_AND_POLICY.model_copy(update={"policy": policy}))
    story.take(intake(Need.HARDSHIP_AID))
    story.take(DecideEligibility(accepted=True))

    story.take(REQUEST)

    (clock,) = [c for c in story.last.clocks if c.kind == "hardship_decision"]
    assert clock.due_at - clock.started_at == timedelta(days=14)


def test_requests_to_decide_and_grants_to_pay_are_work_waiting_on_the_intake() -> None:
    story, request_id = requested()
    assert [(t.kind, t.target) for t in open_tasks(story.current)] == [
        (TaskKind.DECIDE_HARDSHIP_REQUEST, request_id)
    ]

    story.take(GrantHardshipAid(amount_granted=Decimal("300")), request_id)
    assert [(t.kind, t.assignee) for t in open_tasks(story.current)] == [
        (TaskKind.PAY_HARDSHIP_GRANT, story.current.intake_by)
    ]

    story.take(paying("300"), request_id)
    assert open_tasks(story.current) == []


def test_closing_with_an_unpaid_grant_needs_a_reason_and_a_paid_one_counts_as_success() -> None:
    story, request_id = requested()
    story.take(GrantHardshipAid(amount_granted=Decimal("300")), request_id)

    refused = story.refuses(CloseCase(outcome=CaseOutcome.SERVED), "reason_required")
    assert f"hardship request {request_id}" in refused.message
    story.take(paying("300"), request_id)

    closed = story.take(CloseCase(outcome=CaseOutcome.SERVED))
    assert closed.track_outcomes == {"hardship_aid": "paid"}
