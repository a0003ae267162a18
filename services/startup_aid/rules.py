"""Rules of the start-up aid track."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.cases.lifecycle import Stage, require_need, require_stage
from services.kernel.errors import StepRejected
from services.kernel.rulekit import require_status
from services.startup_aid.model import (
    APPLICATIONS,
    NEED,
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
    StartupApplication,
    StartupStatus,
)

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

_FROM: dict[type, StartupStatus] = {
    ApproveStartupAid: StartupStatus.APPLIED,
    RefuseStartupAid: StartupStatus.APPLIED,
    DisburseStartupAid: StartupStatus.APPROVED,
}


def check_apply(case: CaseFile, step: ApplyStartupAid, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, NEED)


def check_decide(case: CaseFile, step: object, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    application = APPLICATIONS.find(case, target)
    require_status(application.status, [_FROM[type(step)]], "application")
    if isinstance(step, DisburseStartupAid) and step.amount > (application.amount_approved or 0):
        raise StepRejected(
            f"disbursement {step.amount} exceeds the approved {application.amount_approved}",
            code="amount_exceeds_approval",
            field="amount",
        )


def apply(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, ApplyStartupAid)
    application = StartupApplication(
        id=APPLICATIONS.new_id(event), plan=step.plan, amount_requested=step.amount_requested
    )
    return APPLICATIONS.added(case, event, application)


def decide(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    application = APPLICATIONS.find(case, event.target)
    if isinstance(step, ApproveStartupAid):
        changes = {"status": StartupStatus.APPROVED, "amount_approved": step.amount_approved}
    elif isinstance(step, RefuseStartupAid):
        changes = {"status": StartupStatus.REFUSED, "refusal_reason": step.reason}
    else:
        assert isinstance(step, DisburseStartupAid)
        changes = {
            "status": StartupStatus.DISBURSED,
            "amount_disbursed": step.amount,
            "disbursed_on": step.disbursed_on,
        }
    return APPLICATIONS.replaced(case, event, application.model_copy(update=changes))
