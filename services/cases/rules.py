"""The case's rules as a decider: ``check`` a step against the case, ``evolve`` by an event.

Both are pure functions, so the workflow, the read model's rebuild and any as-of view
apply exactly the same logic to the same events. Each track keeps its own rules; this
module dispatches to them and holds the rules of the case as a whole.
"""

from __future__ import annotations

from datetime import datetime

from services.cases.lifecycle import CaseOutcome, Stage, require_need, require_open, require_stage
from services.cases.model import CaseFile, Eligibility, Need
from services.cases.progress import PENDING_FOLLOW_UP, open_items, track_outcomes
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    CaseEvent,
    ClockAlarm,
    CloseCase,
    DecideEligibility,
    OpenCase,
    PauseClock,
    ReopenCase,
    ResumeClock,
    StartAssessment,
    Step,
    WithdrawCase,
)
from services.deadlines.triggers import check_clock_step, merge_clocks
from services.fee_relief import rules as fee_relief
from services.job_referral import rules as job_referral
from services.job_referral.model import FollowUpDue, FollowUpStatus
from services.kernel.actors import Actor, Role
from services.kernel.errors import StaleVersion, StepRejected
from services.kernel.rulekit import Rules, stamp
from services.legal_aid import rules as legal_aid
from services.legal_aid.model import OPEN_MATTER, MatterStatus
from services.startup_aid import rules as startup_aid
from services.training import rules as training

SYSTEM_ONLY = (FollowUpDue, ClockAlarm)


def check(
    case: CaseFile | None,
    step: Step,
    *,
    actor: Actor,
    target: str | None = None,
    now: datetime | None = None,
) -> None:
    """Raise StepRejected if ``step`` may not be taken on ``case`` at ``now``."""
    if isinstance(step, SYSTEM_ONLY) and actor.role is not Role.SYSTEM:
        raise StepRejected(f"{step.kind} is recorded by the case itself", code="system_step")
    if isinstance(step, OpenCase):
        if case is not None:
            raise StepRejected("the case is already open", code="case_exists")
        if not step.centre:
            raise StepRejected("a case needs a centre", code="missing_centre", field="centre")
        return
    if case is None:
        raise StepRejected("the case has not been opened", code="case_not_open")
    checker, _ = _RULES[type(step)]
    checker(case, step, target)
    check_clock_step(case, step, target, now)


def check_version(case: CaseFile, expected: int) -> None:
    """For If-Match: refuse a step made against a version of the case that has passed."""
    if case.version != expected:
        raise StaleVersion(
            f"the case is at version {case.version}, not {expected}: reload it and retry",
            field="If-Match",
        )


def evolve(case: CaseFile | None, event: CaseEvent) -> CaseFile:
    step = event.step
    if isinstance(step, OpenCase):
        return _open(event, step)
    assert case is not None, "check() admits only OpenCase on a missing case"
    _, applier = _RULES[type(step)]
    evolved = applier(case, event)
    if not event.clocks:
        return evolved
    return evolved.model_copy(update={"clocks": merge_clocks(evolved.clocks, event.clocks)})


def _open(event: CaseEvent, step: OpenCase) -> CaseFile:
    return CaseFile(
        clocks=list(event.clocks),
        id=event.case_id,
        version=event.seq,
        stage=Stage.INTAKE,
        # Only reads mark fields erased (with the case's key): never a caller.
        claimant=step.claimant.model_copy(update={"erased": []}),
        needs=step.needs,
        centre=step.centre or "",
        intake_by=event.actor.id,
        priority=step.priority if step.priority is not None else Need.LEGAL_AID in step.needs,
        summary=step.summary,
        opened_at=event.at,
        updated_at=event.at,
    )


def _check_assessment(case: CaseFile, step: StartAssessment, target: str | None) -> None:
    require_stage(case, Stage.INTAKE)


def _check_eligibility(case: CaseFile, step: DecideEligibility, target: str | None) -> None:
    require_stage(case, Stage.INTAKE, Stage.ASSESSMENT)
    if not step.accepted and not step.reason:
        raise StepRejected("a rejection needs a reason", code="reason_required", field="reason")


def _check_need(case: CaseFile, step: AddNeed, target: str | None) -> None:
    require_open(case)
    if step.need in case.needs:
        raise StepRejected(f"the case already has {step.need.value}", code="need_present")


def _check_lawyer(case: CaseFile, step: AssignLawyer, target: str | None) -> None:
    require_open(case)
    require_need(case, Need.LEGAL_AID)
    if step.lawyer == case.lawyer:
        raise StepRejected(f"{step.lawyer} is already assigned", code="already_assigned")


def _check_close(case: CaseFile, step: CloseCase | WithdrawCase, target: str | None) -> None:
    require_open(case)
    unfinished = open_items(case)
    if unfinished and not step.reason:
        raise StepRejected(
            "say why the case closes with open items: " + ", ".join(unfinished),
            code="reason_required",
            field="reason",
        )


def _check_reopen(case: CaseFile, step: ReopenCase, target: str | None) -> None:
    require_stage(case, Stage.CLOSED)


def _start_assessment(case: CaseFile, event: CaseEvent) -> CaseFile:
    return stamp(case, event, stage=Stage.ASSESSMENT, assessor=event.actor.id)


def _decide_eligibility(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, DecideEligibility)
    decision = Eligibility(
        accepted=step.accepted, reason=step.reason, decided_by=event.actor.id, decided_at=event.at
    )
    if step.accepted:
        return stamp(case, event, stage=Stage.ACTIVE, eligibility=decision)
    rejected = stamp(case, event, eligibility=decision)
    return _closed(rejected, event, CaseOutcome.NOT_ELIGIBLE, step.reason)


def _add_need(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, AddNeed)
    priority = case.priority or step.need is Need.LEGAL_AID
    return stamp(case, event, needs=[*case.needs, step.need], priority=priority)


def _assign_lawyer(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, AssignLawyer)
    return stamp(case, event, lawyer=step.lawyer)


def _close(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    if isinstance(step, WithdrawCase):
        return _closed(case, event, CaseOutcome.WITHDRAWN, step.reason)
    assert isinstance(step, CloseCase)
    return _closed(case, event, step.outcome, step.reason)


def _closed(case: CaseFile, event: CaseEvent, outcome: CaseOutcome, reason: str | None) -> CaseFile:
    """Closing stops what runs on its own: follow-up clocks and open legal matters."""
    referrals = [
        referral.model_copy(
            update={
                "follow_ups": [
                    f.model_copy(update={"status": FollowUpStatus.CANCELLED})
                    if f.status in PENDING_FOLLOW_UP
                    else f
                    for f in referral.follow_ups
                ]
            }
        )
        for referral in case.referrals
    ]
    matters = [
        m.model_copy(
            update={
                "status": MatterStatus.CLOSED_WITHOUT_REMEDY,
                "closure_reason": f"case closed: {reason}",
                "updated_at": event.at,
            }
        )
        if m.status in OPEN_MATTER
        else m
        for m in case.legal_matters
    ]
    return stamp(
        case,
        event,
        stage=Stage.CLOSED,
        closed_from=case.stage,
        closed_at=event.at,
        outcome=outcome,
        close_reason=reason,
        track_outcomes=track_outcomes(case),
        referrals=referrals,
        legal_matters=matters,
    )


def _check_clock(case: CaseFile, step: object, target: str | None) -> None:
    require_open(case)  # the clock itself is checked with every step's clocks


def _clock_step(case: CaseFile, event: CaseEvent) -> CaseFile:
    return stamp(case, event)  # the clock's new state travels on the event


def _reopen(case: CaseFile, event: CaseEvent) -> CaseFile:
    back_to = case.closed_from or Stage.ACTIVE
    if case.outcome is CaseOutcome.NOT_ELIGIBLE:
        back_to = Stage.ASSESSMENT
    return stamp(
        case,
        event,
        stage=back_to,
        closed_from=None,
        closed_at=None,
        outcome=None,
        close_reason=None,
        track_outcomes={},
        reopen_count=case.reopen_count + 1,
    )


_RULES: Rules = {
    StartAssessment: (_check_assessment, _start_assessment),
    DecideEligibility: (_check_eligibility, _decide_eligibility),
    AddNeed: (_check_need, _add_need),
    AssignLawyer: (_check_lawyer, _assign_lawyer),
    CloseCase: (_check_close, _close),
    WithdrawCase: (_check_close, _close),
    ReopenCase: (_check_reopen, _reopen),
    PauseClock: (_check_clock, _clock_step),
    ResumeClock: (_check_clock, _clock_step),
    ClockAlarm: (_check_clock, _clock_step),
    **training.RULES,
    **job_referral.RULES,
    **startup_aid.RULES,
    **fee_relief.RULES,
    **legal_aid.RULES,
}
