"""The case's rules as a decider: ``check`` a step against the case, ``evolve`` by an event.

Both are pure functions, so the workflow, the read model's rebuild and any as-of view
apply exactly the same logic to the same events. Each track keeps its own rules; this
module dispatches to them and holds the rules of the case as a whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.cases.corrections import (
    CorrectClaimant,
    check_correction,
    correct_claimant,
    with_previous,
)
from services.cases.evidence import RecordEvidence, check_evidence, record_evidence
from services.cases.lifecycle import CaseOutcome, Stage, require_open, require_stage
from services.cases.model import CaseFile, Eligibility, Need
from services.cases.notes import AddNote, add_note, check_note
from services.cases.progress import open_items, track_outcomes
from services.cases.registry import STEP_RULES, TRACK_OF_NEED, TRACKS
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    CaseEvent,
    ClockAlarm,
    CloseCase,
    DecideEligibility,
    OpenCase,
    PauseClock,
    ReassignCase,
    ReopenCase,
    ResumeClock,
    StartAssessment,
    Step,
    WithdrawCase,
)
from services.cases.tracks import Apply, Check, TrackSpec
from services.deadlines.clocks import DeadlineRules
from services.deadlines.triggers import check_clock_step, clock_changes, merge_clocks
from services.kernel.actors import Actor, Role
from services.kernel.errors import StaleVersion, StepRejected
from services.kernel.rulekit import stamp

# Steps the case records on its own: its clock alarms and tracks' steps without a route.
SYSTEM_ONLY: tuple[type, ...] = (
    ClockAlarm,
    *(rule.step for rule in STEP_RULES.values() if rule.route is None),
)


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
    if actor.role is Role.DEPARTMENT:  # first: a revoked link is refused as such
        _check_department(case, step, actor, target)
    checker, _ = _RULES[type(step)]
    checker(case, step, target)
    if isinstance(step, AddNote):  # what a note may concern depends on who writes it
        check_note(case, step, actor)
    check_clock_step(case, step, target, now)


def _check_department(case: CaseFile, step: Step, actor: Actor, target: str | None) -> None:
    """A department (through its link) takes only what a kind of help lets it take."""
    track = _TRACK_OF_STEP.get(type(step))
    if isinstance(step, RecordEvidence):  # a reply letter: on an item of one kind of help
        track = next((t for t in TRACKS if target in {i.id for i in t.items.of(case)}), None)
    if track is None or track.department_check is None:
        raise StepRejected(f"a department does not take {step.kind}", code="not_an_answer")
    track.department_check(case, step, target, actor)


def check_version(case: CaseFile, expected: int) -> None:
    """For If-Match: refuse a step made against a version of the case that has passed."""
    if case.version != expected:
        raise StaleVersion(
            f"the case is at version {case.version}, not {expected}: reload it and retry",
            field="If-Match",
        )


def record(
    case: CaseFile | None,
    step: Step,
    *,
    case_id: str,
    actor: Actor,
    target: str | None,
    at: datetime,
    deadlines: DeadlineRules | None,
) -> CaseEvent:
    """The event that records ``step`` (checked already) as the case's next, with the
    clocks it starts or changes under ``deadlines`` (the calendar and policy in force)."""
    if isinstance(step, CorrectClaimant) and case is not None:
        step = with_previous(case, step)  # the timeline keeps what the fields held
    event = CaseEvent(
        case_id=case_id,
        seq=(case.version if case else 0) + 1,
        at=at,
        actor=actor,
        target=target,
        step=step,
    )
    if deadlines is None:
        return event
    return event.model_copy(update={"clocks": clock_changes(case, event, deadlines)})


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
        number=step.number,
        version=event.seq,
        stage=Stage.INTAKE,
        # Only reads mark fields erased (with the case's key): never a caller.
        claimant=step.claimant.model_copy(update={"erased": []}),
        needs=step.needs,
        centre=step.centre or "",
        intake_by=event.actor.id,
        owner=event.actor.id,
        priority=step.priority if step.priority is not None else _priority(step.needs),
        summary=step.summary,
        register_person_id=str(step.register_person_id) if step.register_person_id else None,
        opened_at=event.at,
        updated_at=event.at,
    )


def _priority(needs: list[Need]) -> bool:
    """A need such as legal aid makes the case a priority case."""
    return any(TRACK_OF_NEED[need].priority for need in needs)


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
    worked_by_lawyers = [track.need for track in TRACKS if track.lawyer]
    if not any(need in case.needs for need in worked_by_lawyers):
        raise StepRejected(
            f"the case does not have the need {' or '.join(worked_by_lawyers)}; add it first",
            code="need_missing",
            field="needs",
        )
    if step.lawyer == case.lawyer:
        raise StepRejected(f"{step.lawyer} is already assigned", code="already_assigned")


def _check_reassign(case: CaseFile, step: ReassignCase, target: str | None) -> None:
    require_open(case)
    if step.owner == case.owner:
        raise StepRejected(f"{step.owner} already owns the case", code="already_owner")


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
    priority = case.priority or TRACK_OF_NEED[step.need].priority
    return stamp(case, event, needs=[*case.needs, step.need], priority=priority)


def _assign_lawyer(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, AssignLawyer)
    return stamp(case, event, lawyer=step.lawyer)


def _reassign(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, ReassignCase)
    # An assessment under way passes to the new owner with the rest of the staff work.
    assessor = step.owner if case.stage is Stage.ASSESSMENT else case.assessor
    return stamp(case, event, owner=step.owner, assessor=assessor)


def _close(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    if isinstance(step, WithdrawCase):
        return _closed(case, event, CaseOutcome.WITHDRAWN, step.reason)
    assert isinstance(step, CloseCase)
    return _closed(case, event, step.outcome, step.reason)


def _closed(case: CaseFile, event: CaseEvent, outcome: CaseOutcome, reason: str | None) -> CaseFile:
    """Closing stops what runs on its own (follow-ups, open legal matters): each track says."""
    stopped = {
        track.items.field: track.on_close(track.items.of(case), event, reason)
        for track in TRACKS
        if track.on_close is not None
    }
    return stamp(
        case,
        event,
        stage=Stage.CLOSED,
        closed_from=case.stage,
        closed_at=event.at,
        outcome=outcome,
        close_reason=reason,
        track_outcomes=track_outcomes(case),
        **stopped,
    )


def _check_any_stage(case: CaseFile, step: object, target: str | None) -> None:
    """Notes are taken at any stage, closed cases included (a call after closing)."""


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


_RULES: dict[type, tuple[Check, Apply]] = {
    StartAssessment: (_check_assessment, _start_assessment),
    DecideEligibility: (_check_eligibility, _decide_eligibility),
    AddNeed: (_check_need, _add_need),
    AssignLawyer: (_check_lawyer, _assign_lawyer),
    ReassignCase: (_check_reassign, _reassign),
    CloseCase: (_check_close, _close),
    WithdrawCase: (_check_close, _close),
    ReopenCase: (_check_reopen, _reopen),
    PauseClock: (_check_clock, _clock_step),
    ResumeClock: (_check_clock, _clock_step),
    ClockAlarm: (_check_clock, _clock_step),
    AddNote: (_check_any_stage, add_note),
    CorrectClaimant: (check_correction, correct_claimant),
    RecordEvidence: (check_evidence, record_evidence),
    **{step: (rule.check, rule.apply) for step, rule in STEP_RULES.items()},
}
_TRACK_OF_STEP: dict[type, TrackSpec[Any]] = {
    rule.step: track for track in TRACKS for rule in track.steps
}
