"""The case's rules as a decider: ``check`` a step against the case, ``evolve`` by an event.

Both are pure functions, so the workflow, the read model's rebuild and any as-of view
apply exactly the same logic to the same events.
"""

from __future__ import annotations

from services.cases.errors import StepRejected
from services.cases.model import CaseFile, Need, Stage
from services.cases.steps import CaseEvent, CloseCase, OpenCase, Step


def check(case: CaseFile | None, step: Step) -> None:
    """Raise StepRejected if ``step`` may not be taken on ``case`` now."""
    if isinstance(step, OpenCase):
        if case is not None:
            raise StepRejected("the case is already open", code="case_exists")
        if not step.centre:
            raise StepRejected("a case needs a centre", code="missing_centre", field="centre")
        return
    if case is None:
        raise StepRejected("the case has not been opened", code="case_not_open")
    if isinstance(step, CloseCase) and case.stage is Stage.CLOSED:
        raise StepRejected("the case is already closed", code="wrong_stage", field="stage")


def evolve(case: CaseFile | None, event: CaseEvent) -> CaseFile:
    step = event.step
    if isinstance(step, OpenCase):
        return CaseFile(
            id=event.case_id,
            version=event.seq,
            stage=Stage.INTAKE,
            claimant=step.claimant,
            needs=step.needs,
            centre=step.centre or "",
            intake_by=event.actor.id,
            priority=step.priority if step.priority is not None else Need.LEGAL_AID in step.needs,
            summary=step.summary,
            opened_at=event.at,
            updated_at=event.at,
        )
    assert case is not None, "check() admits only OpenCase on a missing case"
    stamped = {"version": event.seq, "updated_at": event.at}
    if isinstance(step, CloseCase):
        return case.model_copy(
            update={
                **stamped,
                "stage": Stage.CLOSED,
                "closed_at": event.at,
                "outcome": step.outcome,
                "close_reason": step.reason,
            }
        )
    raise AssertionError(f"no rule evolves {step.kind}")
