"""Rules of legal aid: a legal matter's own state machine, and the case-level wrappers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.cases.lifecycle import require_need, require_open
from services.kernel.errors import StepRejected
from services.legal_aid.model import (
    MATTERS,
    NEED,
    OPEN_MATTER,
    AcknowledgeMatter,
    CloseMatterWithoutRemedy,
    DepartmentReferral,
    LegalMatter,
    MatterStatus,
    RecordInfringement,
    ReferMatter,
    ResolveMatter,
)

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

MatterStep = ReferMatter | AcknowledgeMatter | ResolveMatter | CloseMatterWithoutRemedy


def check_matter_step(matter: LegalMatter, step: MatterStep) -> None:
    if matter.status not in OPEN_MATTER:
        raise StepRejected(
            f"legal matter {matter.id} is {matter.status.value}", code="wrong_status"
        )
    referred = {referral.department: referral for referral in matter.referrals}
    if isinstance(step, ReferMatter) and step.department in referred:
        raise StepRejected(
            f"already referred to the {step.department.value} department",
            code="already_referred",
            field="department",
        )
    if isinstance(step, AcknowledgeMatter):
        referral = referred.get(step.department)
        if referral is None:
            raise StepRejected(
                f"not referred to the {step.department.value} department",
                code="not_referred",
                field="department",
            )
        if referral.acknowledged_at is not None:
            raise StepRejected("already acknowledged", code="already_acknowledged")
    if isinstance(step, ResolveMatter) and not matter.referrals:
        raise StepRejected(
            "refer the matter to a department before resolving it", code="not_referred"
        )


def apply_matter_step(matter: LegalMatter, event: CaseEvent) -> LegalMatter:
    step = event.step
    changes: dict[str, object] = {"updated_at": event.at}
    if isinstance(step, ReferMatter):
        referral = DepartmentReferral(
            department=step.department,
            channel=step.channel,
            reference=step.reference,
            sent_at=step.sent_at or event.at,
        )
        changes |= {"referrals": [*matter.referrals, referral], "status": MatterStatus.REFERRED}
    elif isinstance(step, AcknowledgeMatter):
        referrals = [
            referral.model_copy(
                update={
                    "acknowledged_at": step.acknowledged_at or event.at,
                    "acknowledgement_reference": step.reference,
                }
            )
            if referral.department is step.department
            else referral
            for referral in matter.referrals
        ]
        all_acknowledged = all(referral.acknowledged_at for referral in referrals)
        status = MatterStatus.ACKNOWLEDGED if all_acknowledged else MatterStatus.REFERRED
        changes |= {"referrals": referrals, "status": status}
    elif isinstance(step, ResolveMatter):
        changes |= {"status": MatterStatus.RESOLVED, "outcome": step.outcome}
    else:
        assert isinstance(step, CloseMatterWithoutRemedy)
        changes |= {"status": MatterStatus.CLOSED_WITHOUT_REMEDY, "closure_reason": step.reason}
    return matter.model_copy(update=changes)


def changed_matters(before: CaseFile | None, after: CaseFile) -> set[str]:
    """Matters whose state a step changed; a new lawyer changes every open one."""
    old = {matter.id: matter for matter in MATTERS.of(before)} if before else {}
    lawyer_changed = before is not None and before.lawyer != after.lawyer
    return {
        matter.id
        for matter in MATTERS.of(after)
        if old.get(matter.id) != matter or (lawyer_changed and matter.status in OPEN_MATTER)
    }


def check_record(case: CaseFile, step: RecordInfringement, target: str | None) -> None:
    # Any open stage: an infringement is handled at once, eligibility or not.
    require_open(case)
    require_need(case, NEED)


def check_step(case: CaseFile, step: MatterStep, target: str | None) -> None:
    require_open(case)
    check_matter_step(MATTERS.find(case, target), step)


def record(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, RecordInfringement)
    matter = LegalMatter(
        id=MATTERS.new_id(event),
        infringement=step.infringement,
        infringer=step.infringer,
        occurred_on=step.occurred_on,
        evidence=step.evidence,
        recorded_at=event.at,
        updated_at=event.at,
    )
    return MATTERS.added(case, event, matter)


def step_matter(case: CaseFile, event: CaseEvent) -> CaseFile:
    matter = apply_matter_step(MATTERS.find(case, event.target), event)
    return MATTERS.replaced(case, event, matter)
