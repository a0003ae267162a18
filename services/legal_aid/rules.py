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
    Department,
    DepartmentReferral,
    LegalMatter,
    MatterStatus,
    ProgressStage,
    RecordInfringement,
    ReferMatter,
    ReissueDepartmentLink,
    ReportProgress,
    ResolveMatter,
    RevokeDepartmentLink,
)

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent
    from services.kernel.actors import Actor

MatterStep = (
    ReferMatter
    | AcknowledgeMatter
    | ReportProgress
    | ResolveMatter
    | CloseMatterWithoutRemedy
    | RevokeDepartmentLink
    | ReissueDepartmentLink
)


def check_matter_step(matter: LegalMatter, step: MatterStep) -> None:
    if matter.status not in OPEN_MATTER:
        raise StepRejected(
            f"legal matter {matter.id} is {matter.status.value}", code="wrong_status"
        )
    if isinstance(step, ReferMatter) and matter.referral_to(step.department):
        raise StepRejected(
            f"already referred to the {step.department.value} department",
            code="already_referred",
            field="department",
        )
    if isinstance(step, AcknowledgeMatter):
        referral = _referral(matter, step.department)
        if referral.acknowledged_at is not None:
            raise StepRejected("already acknowledged", code="already_acknowledged")
    if isinstance(step, ReportProgress):
        _check_progress(_referral(matter, step.department), step.stage)
    if isinstance(step, ResolveMatter) and not matter.referrals:
        raise StepRejected(
            "refer the matter to a department before resolving it", code="not_referred"
        )


def _check_progress(referral: DepartmentReferral, stage: ProgressStage) -> None:
    """Progress comes after the acknowledgement (which meets the clock, with the bureau's
    reference: a progress report does not stand in for it), and never goes back a stage:
    the lawyer reads the latest stage as how far the bureau has come, so a report from a
    stale page must not undo a later one. The same stage again is a further report."""
    if referral.acknowledged_at is None:
        raise StepRejected(
            f"the {referral.department.value} department has not acknowledged the referral",
            code="not_acknowledged",
            field="department",
        )
    order = list(ProgressStage)
    if referral.progress is not None and order.index(stage) < order.index(referral.progress):
        raise StepRejected(
            f"the department reported {referral.progress.value} already: progress does not "
            "go back a stage",
            code="progress_backwards",
            field="stage",
        )


def _with_referral(
    matter: LegalMatter, department: Department, **update: object
) -> list[DepartmentReferral]:
    """The matter's referrals, the one to ``department`` updated."""
    return [
        referral.model_copy(update=update) if referral.department is department else referral
        for referral in matter.referrals
    ]


def apply_matter_step(matter: LegalMatter, event: CaseEvent) -> LegalMatter:
    step = event.step
    changes: dict[str, object] = {"updated_at": event.at}
    if isinstance(step, ReferMatter):
        referral = DepartmentReferral(
            department=step.department,
            channel=step.channel,
            reference=step.reference,
            sent_at=step.sent_at or event.at,
            letter_seq=event.seq,
        )
        changes |= {"referrals": [*matter.referrals, referral], "status": MatterStatus.REFERRED}
    elif isinstance(step, AcknowledgeMatter):
        referrals = _with_referral(
            matter,
            step.department,
            acknowledged_at=step.acknowledged_at or event.at,
            acknowledgement_reference=step.reference,
        )
        all_acknowledged = all(referral.acknowledged_at for referral in referrals)
        status = MatterStatus.ACKNOWLEDGED if all_acknowledged else MatterStatus.REFERRED
        changes |= {"referrals": referrals, "status": status}
    elif isinstance(step, ResolveMatter):
        changes |= {"status": MatterStatus.RESOLVED, "outcome": step.outcome}
    elif isinstance(step, ReportProgress):
        referrals = _with_referral(
            matter, step.department, progress=step.stage, progress_at=event.at
        )
        changes |= {"referrals": referrals}
    elif isinstance(step, RevokeDepartmentLink):
        changes |= {"referrals": _with_referral(matter, step.department, link_revoked_at=event.at)}
    elif isinstance(step, ReissueDepartmentLink):
        # The new letter's link names this step; the revoked one stays refused.
        referrals = _with_referral(
            matter, step.department, link_revoked_at=None, letter_seq=event.seq
        )
        changes |= {"referrals": referrals}
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


def check_revoke(case: CaseFile, step: RevokeDepartmentLink, target: str | None) -> None:
    """A referral's link may be revoked once, whatever the matter's or the case's state
    (refusing a leaked link must not wait for anything)."""
    referral = _referral(MATTERS.find(case, target), step.department)
    if referral.link_revoked_at is not None:
        raise StepRejected("the department's link is revoked already", code="link_revoked")


def check_reissue(case: CaseFile, step: ReissueDepartmentLink, target: str | None) -> None:
    """A new link replaces a revoked one, while there is still an answer to come: on an
    open case and an open matter (a link that was never revoked needs no replacing)."""
    require_open(case)
    matter = MATTERS.find(case, target)
    if matter.status not in OPEN_MATTER:
        raise StepRejected(
            f"legal matter {matter.id} is {matter.status.value}", code="wrong_status"
        )
    referral = _referral(matter, step.department)
    if referral.link_revoked_at is None:
        raise StepRejected(
            "the department's link is in force: revoke it before issuing a new one",
            code="link_not_revoked",
            field="department",
        )


# What a department answers through its link: the acknowledgement, its progress, the
# result, and files (its reply letter) as evidence on the matter.
DEPARTMENT_ANSWERS = (
    "matter_acknowledged",
    "matter_progress_reported",
    "matter_resolved",
    "evidence_attached",
)


def check_department_answer(case: CaseFile, step: object, target: str | None, actor: Actor) -> None:
    """A step by a department (through its link, actor ``department:<name>``): only an
    answer (or a file), on a matter referred to that department, whose link is not
    revoked. Which letter's link it came through the route checks (the step does not
    carry it): an answer that passed the page's check through a link since revoked and
    replaced, all before it arrived, is not told apart here."""
    department = actor.id.removeprefix("department:")
    if getattr(step, "kind", None) not in DEPARTMENT_ANSWERS or (
        isinstance(step, AcknowledgeMatter | ReportProgress) and step.department.value != department
    ):
        raise StepRejected("a department only answers its own referral", code="not_an_answer")
    referral = MATTERS.find(case, target).referral_to(department)
    if referral is None or referral.link_revoked_at is not None:
        raise StepRejected("the department's link is revoked", code="link_revoked")


def _referral(matter: LegalMatter, department: Department) -> DepartmentReferral:
    referral = matter.referral_to(department)
    if referral is None:
        raise StepRejected(
            f"not referred to the {department.value} department",
            code="not_referred",
            field="department",
        )
    return referral


def step_matter(case: CaseFile, event: CaseEvent) -> CaseFile:
    matter = apply_matter_step(MATTERS.find(case, event.target), event)
    return MATTERS.replaced(case, event, matter)
