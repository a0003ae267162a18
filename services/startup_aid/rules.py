"""Rules of the start-up aid track."""

from __future__ import annotations

from services.cases.lifecycle import Stage, require_need, require_stage
from services.cases.model import CaseFile, Need
from services.cases.steps import CaseEvent
from services.kernel.errors import StepRejected
from services.kernel.rulekit import Rules, find, item_id, replaced, require_status, stamp
from services.startup_aid.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
    StartupApplication,
    StartupStatus,
)

PREFIX = "S"
_FROM: dict[type, StartupStatus] = {
    ApproveStartupAid: StartupStatus.APPLIED,
    RefuseStartupAid: StartupStatus.APPLIED,
    DisburseStartupAid: StartupStatus.APPROVED,
}


def check_apply(case: CaseFile, step: ApplyStartupAid, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, Need.STARTUP_AID)


def check_decide(case: CaseFile, step: object, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    application = find(case.startup_aid, target, "application")
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
        id=item_id(PREFIX, event), plan=step.plan, amount_requested=step.amount_requested
    )
    return stamp(case, event, startup_aid=[*case.startup_aid, application])


def decide(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    application = find(case.startup_aid, event.target, "application")
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
    updated = application.model_copy(update=changes)
    return stamp(case, event, startup_aid=replaced(case.startup_aid, updated))


RULES: Rules = {
    ApplyStartupAid: (check_apply, apply),
    ApproveStartupAid: (check_decide, decide),
    RefuseStartupAid: (check_decide, decide),
    DisburseStartupAid: (check_decide, decide),
}
