"""Rules of hardship assistance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.cases.lifecycle import Stage, require_need, require_stage
from services.hardship_aid.model import (
    NEED,
    REQUESTS,
    GrantHardshipAid,
    HardshipRequest,
    HardshipStatus,
    PayHardshipAid,
    Payment,
    RefuseHardshipAid,
    RequestHardshipAid,
)
from services.kernel.errors import StepRejected
from services.kernel.rulekit import require_status

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent


def check_request(case: CaseFile, step: RequestHardshipAid, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, NEED)


def check_decide(
    case: CaseFile, step: GrantHardshipAid | RefuseHardshipAid, target: str | None
) -> None:
    require_stage(case, Stage.ACTIVE)
    require_status(REQUESTS.find(case, target).status, [HardshipStatus.REQUESTED], "request")


def check_pay(case: CaseFile, step: PayHardshipAid, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    request = REQUESTS.find(case, target)
    require_status(request.status, [HardshipStatus.GRANTED], "request")
    left = (request.amount_granted or 0) - request.amount_paid
    if step.amount > left:
        raise StepRejected(
            f"payment {step.amount:.2f} exceeds what is left of the grant ({left:.2f})",
            code="amount_exceeds_grant",
            field="amount",
        )


def request(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, RequestHardshipAid)
    made = HardshipRequest(
        id=REQUESTS.new_id(event),
        difficulty=step.difficulty,
        situation=step.situation,
        amount_requested=step.amount_requested,
        requested_at=event.at,
    )
    return REQUESTS.added(case, event, made)


def decide(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    changes: dict[str, object] = {"decided_at": event.at}
    if isinstance(step, GrantHardshipAid):
        changes |= {"status": HardshipStatus.GRANTED, "amount_granted": step.amount_granted}
    else:
        assert isinstance(step, RefuseHardshipAid)
        changes |= {"status": HardshipStatus.REFUSED, "refusal_reason": step.reason}
    decided = REQUESTS.find(case, event.target).model_copy(update=changes)
    return REQUESTS.replaced(case, event, decided)


def pay(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, PayHardshipAid)
    request = REQUESTS.find(case, event.target)
    payment = Payment(amount=step.amount, paid_on=step.paid_on, recorded_at=event.at)
    paid = request.model_copy(update={"payments": [*request.payments, payment]})
    if paid.amount_paid == request.amount_granted:
        paid = paid.model_copy(update={"status": HardshipStatus.PAID})
    return REQUESTS.replaced(case, event, paid)
