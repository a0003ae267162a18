"""The steps the console offers, per kind of help, and which of them a case allows now.

:func:`step_forms` is the one list of steps the console knows: the case's own steps,
then every routed step of every kind of help in the registry (``services.cases.registry``),
so that a kind of help added there has its forms here with no edit. It names no rule:
whether a step fits the case is asked of the case's own rules (``services.cases.rules``),
and who may take it of the API's policy row for the route that takes the same step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from itertools import islice, product
from typing import Any, Literal, get_args, get_origin

from api.console.forms import plain_type
from api.console.labels import step_label
from services.cases import rules
from services.cases.model import CaseFile
from services.cases.notes import AddNote
from services.cases.registry import TRACKS
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    CloseCase,
    DecideEligibility,
    ReassignCase,
    ReopenCase,
    StartAssessment,
    WithdrawCase,
)
from services.cases.tracks import TrackSpec, kind_of
from services.deadlines.triggers import check_clock_step
from services.kernel.actors import Actor
from services.kernel.errors import StepRejected
from services.kernel.values import StepBase


@dataclass(frozen=True)
class StepForm:
    name: str  # its part of the console's URL
    model: type[StepBase]
    track: TrackSpec[Any] | None  # the kind of help it belongs to; None: the case as a whole
    api_path: str  # the API's route for the same step: its policy row says who may take it
    on_item: bool = False  # taken on one item of its kind of help (the target)

    @property
    def label(self) -> str:
        """Message id of its button."""
        return step_label(self.name, kind_of(self.model))


_CASE = "/cases/{case_id}"
CASE_STEPS: tuple[tuple[str, type[StepBase], str], ...] = (
    ("start-assessment", StartAssessment, "assessment/start"),
    ("decide-eligibility", DecideEligibility, "assessment"),
    ("add-need", AddNeed, "needs"),
    ("assign-lawyer", AssignLawyer, "lawyer"),
    ("reassign", ReassignCase, "owner"),
    ("close", CloseCase, "close"),
    ("withdraw", WithdrawCase, "withdraw"),
    ("reopen", ReopenCase, "reopen"),
    ("add-note", AddNote, "notes"),
)


@cache
def step_forms() -> tuple[StepForm, ...]:
    """Every step a person takes in the console, the case's first, then per kind of help
    (named as the API names its operation: ``record_interview`` is ``record-interview``)."""
    case = [StepForm(name, model, None, f"{_CASE}/{path}") for name, model, path in CASE_STEPS]
    tracks = [
        StepForm(
            route.name.replace("_", "-"),
            rule.step,
            track,
            f"{_CASE}/{path}",
            on_item=bool(route.action),
        )
        for track in TRACKS
        for rule, route, path in track.routed_steps()
    ]
    return (*case, *tracks)


def form_named(name: str) -> StepForm | None:
    return next((form for form in step_forms() if form.name == name), None)


MAX_PROBES = 64


def _probes(model: type[StepBase]) -> list[StepBase]:
    """The step with its fields of a few values (enums, literals, yes/no) set each way,
    and every other field left out: what the rules can be asked before anyone types."""
    choices: dict[str, list[Any]] = {}
    for name, info in model.model_fields.items():
        kind = plain_type(info.annotation)
        if name == "kind":
            continue
        if isinstance(kind, type) and issubclass(kind, Enum):
            choices[name] = list(kind)
        elif get_origin(kind) is Literal:
            choices[name] = list(get_args(kind))
        elif kind is bool:
            choices[name] = [True, False]
    combos = list(islice(product(*choices.values()), MAX_PROBES))
    return [model.model_construct(**dict(zip(choices, combo, strict=True))) for combo in combos]


def _refusal(case: CaseFile, probe: StepBase, actor: Actor, target: str | None) -> Exception | None:
    try:
        rules.check(case, probe, actor=actor, target=target, now=datetime.now(UTC))  # type: ignore[arg-type]
    except (StepRejected, AttributeError) as refusal:
        return refusal
    return None


def allows_now(case: CaseFile, form: StepForm, actor: Actor, target: str | None = None) -> bool:
    """Whether the case's rules allow the step now, on ``target``, for some filling of its
    form: asked of the rules (``services.cases.rules.check``) with what a person will type
    left out. A refusal about a field left out (a reason, say) does not count against it."""
    for probe in _probes(form.model):
        refusal = _refusal(case, probe, actor, target)
        if refusal is None or isinstance(refusal, AttributeError):
            return True  # allowed, or the rules reached a field the person fills in
        field = getattr(refusal, "field", None)
        if field in form.model.model_fields and field not in probe.model_fields_set:
            return True
    return False


def late_now(case: CaseFile, form: StepForm, target: str | None) -> bool:
    """Whether the step, taken now, comes after a deadline it meets (and needs a reason)."""
    for probe in _probes(form.model):
        try:
            check_clock_step(case, probe, target, datetime.now(UTC))  # type: ignore[arg-type]
        except StepRejected as refusal:
            if refusal.code == "late_reason_required":
                return True
        except AttributeError:
            continue
    return False
