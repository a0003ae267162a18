"""Legal aid for rights infringed (侵犯军人及军属权益), declared for the registry. Each
legal matter also runs as a child workflow of its case (workflows/legal_matter.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from services.cases.tracks import STAFF_OR_LAWYER, OpenTask, Routes, StepRoute, StepRule, TrackSpec
from services.deadlines.declarations import (
    ClockRule,
    ClockSpec,
    Meet,
    Restart,
    Start,
    StopUnder,
    Unit,
    item_and,
    new_item,
    the_item,
)
from services.kernel.actors import Role
from services.legal_aid import rules
from services.legal_aid.model import (
    INFRINGEMENT_RECORDED,
    MATTER_REFERRED,
    MATTER_RESOLVED,
    MATTERS,
    NEED,
    OPEN_MATTER,
    AcknowledgeMatter,
    CloseMatterWithoutRemedy,
    Department,
    LegalMatter,
    MatterStatus,
    RecordInfringement,
    ReferMatter,
    ReissueDepartmentLink,
    ReportProgress,
    ResolveMatter,
    RevokeDepartmentLink,
)
from services.reports.figures import Figure, TimeToAct

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

LEGAL_REFERRAL = "legal_referral"
ACKNOWLEDGEMENT = "acknowledgement"
MATTER_STALE = "matter_stale"
REFER_MATTER = "refer_matter"
CHASE_ACKNOWLEDGEMENT = "chase_acknowledgement"


def _unfinished(matters: Sequence[LegalMatter]) -> list[str]:
    return [f"legal matter {m.id}" for m in matters if m.status in OPEN_MATTER]


def _close_open_matters(
    matters: Sequence[LegalMatter], event: CaseEvent, reason: str | None
) -> list[LegalMatter]:
    """Closing the case closes its open matters (and so ends their child workflows)."""
    return [
        m.model_copy(
            update={
                "status": MatterStatus.CLOSED_WITHOUT_REMEDY,
                "closure_reason": f"case closed: {reason}",
                "updated_at": event.at,
            }
        )
        if m.status in OPEN_MATTER
        else m
        for m in matters
    ]


def _lawyer_tasks(case: CaseFile) -> Iterable[OpenTask]:
    for matter in MATTERS.of(case):
        if matter.status not in OPEN_MATTER:
            continue
        if not matter.referrals:
            yield OpenTask(
                kind=REFER_MATTER,
                target=matter.id,
                assignee=case.lawyer,
                role=Role.LAWYER,
                since=matter.recorded_at,
                clock=LEGAL_REFERRAL,
            )
        for referral in matter.referrals:
            if referral.acknowledged_at is None:
                yield OpenTask(
                    kind=CHASE_ACKNOWLEDGEMENT,
                    target=f"{matter.id}/{referral.department.value}",
                    assignee=case.lawyer,
                    role=Role.LAWYER,
                    since=referral.sent_at,
                    clock=ACKNOWLEDGEMENT,
                )


def _on_matter(name: str, description: str, action: str) -> StepRoute:
    return StepRoute(name, description, action, roles=STAFF_OR_LAWYER)


TRACK = TrackSpec(
    need=NEED,
    items=MATTERS,
    routes=Routes(segment="legal-matters", tag="legal aid", item_pattern=r"^M[0-9]{1,9}$"),
    steps=(
        StepRule(
            RecordInfringement,
            rules.check_record,
            rules.record,
            clocks=(
                Start(LEGAL_REFERRAL, new_item(MATTERS.prefix)),
                Start(MATTER_STALE, new_item(MATTERS.prefix)),
            ),
            route=StepRoute(
                "record_infringement",
                "Record an infringement of rights as a new legal matter (a priority, at any "
                "stage).",
                roles=STAFF_OR_LAWYER,
            ),
        ),
        StepRule(
            ReferMatter,
            rules.check_step,
            rules.step_matter,
            clocks=(
                Meet(LEGAL_REFERRAL, the_item),
                Start(ACKNOWLEDGEMENT, item_and("department")),
                Restart(MATTER_STALE, the_item),
            ),
            route=_on_matter(
                "refer_matter",
                "Report the matter to the labour or justice department (channel, reference, time).",
                "referrals",
            ),
        ),
        StepRule(
            AcknowledgeMatter,
            rules.check_step,
            rules.step_matter,
            clocks=(Meet(ACKNOWLEDGEMENT, item_and("department")), Restart(MATTER_STALE, the_item)),
            route=_on_matter(
                "acknowledge_matter", "A department acknowledged the referral.", "acknowledgements"
            ),
        ),
        StepRule(
            ReportProgress,
            rules.check_step,
            rules.step_matter,
            clocks=(Restart(MATTER_STALE, the_item),),
            route=_on_matter(
                "report_progress",
                "A department reported its progress on the matter (accepted, investigating, "
                "mediation), after acknowledging it; its decision is the resolution.",
                "progress",
            ),
        ),
        StepRule(
            ResolveMatter,
            rules.check_step,
            rules.step_matter,
            clocks=(StopUnder(the_item),),
            route=_on_matter(
                "resolve_matter", "The matter was resolved, with its outcome.", "resolution"
            ),
        ),
        StepRule(
            RevokeDepartmentLink,
            rules.check_revoke,
            rules.step_matter,
            route=_on_matter(
                "revoke_department_link",
                "Revoke the answer link of the matter's referral to a department: from then "
                "on it opens nothing and takes no answer (the clocks run on).",
                "link-revocations",
            ),
        ),
        StepRule(
            ReissueDepartmentLink,
            rules.check_reissue,
            rules.step_matter,
            route=_on_matter(
                "reissue_department_link",
                "Issue a new answer link (and letter) to a department whose link was revoked: "
                "the letter is made and sent as the first was; the revoked link stays "
                "refused (the clocks run on).",
                "link-reissues",
            ),
        ),
        StepRule(
            CloseMatterWithoutRemedy,
            rules.check_step,
            rules.step_matter,
            clocks=(StopUnder(the_item),),
            route=_on_matter(
                "close_matter", "Close the matter without remedy, with the reason.", "closure"
            ),
        ),
    ),
    success=MatterStatus.RESOLVED,
    open_items=_unfinished,
    on_close=_close_open_matters,
    clocks=(
        ClockSpec(
            LEGAL_REFERRAL,
            ClockRule(
                duration=24,
                unit=Unit.HOURS,
                escalate_every=12,
                warn_hours=4,
                description="infringement recorded → referred to labour/justice (calendar time)",
            ),
            role=Role.LAWYER,
        ),
        ClockSpec(
            ACKNOWLEDGEMENT,
            ClockRule(
                duration=5,
                unit=Unit.WORKING_DAYS,
                escalate_every=2,
                warn_hours=24,
                description="referral sent → acknowledged by the department",
            ),
            role=Role.LAWYER,
        ),
        ClockSpec(
            MATTER_STALE,
            ClockRule(
                duration=30,
                unit=Unit.DAYS,
                escalate_every=7,
                description="legal matter with no step",
            ),
            role=Role.LAWYER,
            stale=True,
        ),
    ),
    figures=(
        Figure(
            "legal_referred",
            MATTER_REFERRED,
            by="department",
            by_values=tuple(department.value for department in Department),
            total=False,
        ),
        Figure("legal_resolved", MATTER_RESOLVED),
    ),
    times_to_act=(
        TimeToAct(
            "infringement_to_referral", INFRINGEMENT_RECORDED, MATTER_REFERRED, MATTERS.prefix
        ),
    ),
    task_kinds=(REFER_MATTER, CHASE_ACKNOWLEDGEMENT),
    tasks=_lawyer_tasks,
    priority=True,
    lawyer=True,
    sealed=("infringement", "infringer", "evidence", "outcome", "closure_reason"),
    department_check=rules.check_department_answer,
)
