"""The steps the console offers, per kind of help, and which of them a case allows now.

:func:`step_forms` is the one list of step classes the console knows. It names no rule:
whether a step fits the case is asked of the case's own rules (``services.cases.rules``),
and who may take it of the API's policy row for the route that takes the same step.
When the kinds of help come from a registry, ``step_forms`` is built from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from itertools import islice, product
from typing import Any, Literal, get_args, get_origin

from api.console.forms import plain_type
from services.cases import rules
from services.cases.errors import StepRejected
from services.cases.model import Actor, CaseFile, Need
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    CloseCase,
    DecideEligibility,
    ReopenCase,
    StartAssessment,
    WithdrawCase,
)
from services.deadlines.triggers import check_clock_step
from services.legal.model import (
    AcknowledgeMatter,
    CloseMatterWithoutRemedy,
    RecordInfringement,
    ReferMatter,
    ResolveMatter,
)
from services.placement.model import (
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.relief.model import GrantPetition, RefusePetition, SubmitPetition
from services.startup.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
)
from services.training.model import CompleteTraining, DropTraining, EnrolTraining
from services.values import StepBase


@dataclass(frozen=True)
class StepForm:
    name: str  # its part of the console's URL
    model: type[StepBase]
    need: Need | None  # the kind of help it belongs to; None: the case as a whole
    label: str  # message id of its button
    on_item: bool = False  # taken on one item of its kind of help (the target)


# The items of each kind of help, as the case holds them.
ITEMS: dict[Need, Callable[[CaseFile], Sequence[Any]]] = {
    Need.TRAINING: lambda case: case.training,
    Need.JOB_REFERRAL: lambda case: case.referrals,
    Need.STARTUP_AID: lambda case: case.startup_aid,
    Need.FEE_RELIEF: lambda case: case.petitions,
    Need.LEGAL_AID: lambda case: case.legal_matters,
}


def step_forms() -> list[StepForm]:
    """Every step a person takes in the console, case steps first, then per kind of help."""
    from api.console.labels import N_

    case, training, job = None, Need.TRAINING, Need.JOB_REFERRAL
    startup, relief, legal = Need.STARTUP_AID, Need.FEE_RELIEF, Need.LEGAL_AID
    return [
        StepForm("start-assessment", StartAssessment, case, N_("Start the assessment")),
        StepForm("decide-eligibility", DecideEligibility, case, N_("Decide eligibility")),
        StepForm("add-need", AddNeed, case, N_("Add a need")),
        StepForm("assign-lawyer", AssignLawyer, case, N_("Assign a lawyer")),
        StepForm("close", CloseCase, case, N_("Close the case")),
        StepForm("withdraw", WithdrawCase, case, N_("Withdraw the case")),
        StepForm("reopen", ReopenCase, case, N_("Reopen the case")),
        StepForm("enrol-training", EnrolTraining, training, N_("Enrol in a course")),
        StepForm("complete-training", CompleteTraining, training, N_("Completed"), True),
        StepForm("drop-training", DropTraining, training, N_("Dropped out"), True),
        StepForm("refer-to-job", ReferToJob, job, N_("Refer to an employer")),
        StepForm("record-interview", RecordInterview, job, N_("Interview"), True),
        StepForm("record-offer", RecordOffer, job, N_("Offer"), True),
        StepForm("record-placement", RecordPlacement, job, N_("Placed"), True),
        StepForm("record-not-placed", RecordNotPlaced, job, N_("Not placed"), True),
        StepForm("record-follow-up", RecordFollowUp, job, N_("Follow-up"), True),
        StepForm("apply-startup-aid", ApplyStartupAid, startup, N_("Apply for start-up aid")),
        StepForm("approve-startup-aid", ApproveStartupAid, startup, N_("Approve"), True),
        StepForm("refuse-startup-aid", RefuseStartupAid, startup, N_("Refuse"), True),
        StepForm("disburse-startup-aid", DisburseStartupAid, startup, N_("Pay out"), True),
        StepForm("submit-petition", SubmitPetition, relief, N_("Petition a bureau")),
        StepForm("grant-petition", GrantPetition, relief, N_("Granted"), True),
        StepForm("refuse-petition", RefusePetition, relief, N_("Refused"), True),
        StepForm("record-infringement", RecordInfringement, legal, N_("Record an infringement")),
        StepForm("refer-matter", ReferMatter, legal, N_("Refer to a department"), True),
        StepForm("acknowledge-matter", AcknowledgeMatter, legal, N_("Acknowledgement"), True),
        StepForm("resolve-matter", ResolveMatter, legal, N_("Resolved"), True),
        StepForm("close-matter", CloseMatterWithoutRemedy, legal, N_("Close without remedy"), True),
    ]


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
