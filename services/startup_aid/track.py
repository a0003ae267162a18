"""Start-up aid (创业资助), declared for the registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from services.cases.tracks import OpenTask, Routes, StepRoute, StepRule, TrackSpec
from services.kernel.actors import Role
from services.reports.figures import Figure
from services.startup_aid import rules
from services.startup_aid.model import (
    APPLICATIONS,
    NEED,
    STARTUP_DISBURSED,
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
    StartupApplication,
    StartupStatus,
)

UNDECIDED = (StartupStatus.APPLIED, StartupStatus.APPROVED)


if TYPE_CHECKING:
    from services.cases.model import CaseFile

DECIDE_STARTUP_APPLICATION = "decide_startup_application"
DISBURSE_STARTUP_GRANT = "disburse_startup_grant"


def _to_decide_or_disburse(case: CaseFile) -> Iterable[OpenTask]:
    """An application waits on its owner's decision, an approved grant on its payment
    (neither has a clock: no due time)."""
    for application in APPLICATIONS.of(case):
        if application.status is StartupStatus.APPLIED:
            kind = DECIDE_STARTUP_APPLICATION
        elif application.status is StartupStatus.APPROVED:
            kind = DISBURSE_STARTUP_GRANT
        else:
            continue
        yield OpenTask(kind=kind, target=application.id, assignee=case.owner, role=Role.STAFF)


def _unfinished(applications: Sequence[StartupApplication]) -> list[str]:
    return [f"start-up application {a.id}" for a in applications if a.status in UNDECIDED]


TRACK = TrackSpec(
    need=NEED,
    items=APPLICATIONS,
    routes=Routes(segment="startup-aid", tag="start-up aid"),
    steps=(
        StepRule(
            ApplyStartupAid,
            rules.check_apply,
            rules.apply,
            route=StepRoute(
                "apply_startup_aid",
                "Apply for a start-up grant; ``Location`` names the application.",
            ),
        ),
        StepRule(
            ApproveStartupAid,
            rules.check_decide,
            rules.decide,
            route=StepRoute(
                "approve_startup_aid", "The grant was approved, for an amount.", "approval"
            ),
        ),
        StepRule(
            RefuseStartupAid,
            rules.check_decide,
            rules.decide,
            route=StepRoute(
                "refuse_startup_aid", "The grant was refused, with the reason.", "refusal"
            ),
        ),
        StepRule(
            DisburseStartupAid,
            rules.check_decide,
            rules.decide,
            route=StepRoute(
                "disburse_startup_aid",
                "The approved grant was paid out (at most the approved amount).",
                "disbursement",
            ),
        ),
    ),
    success=StartupStatus.DISBURSED,
    open_items=_unfinished,
    task_kinds=(DECIDE_STARTUP_APPLICATION, DISBURSE_STARTUP_GRANT),
    tasks=_to_decide_or_disburse,
    figures=(Figure("startups_funded", STARTUP_DISBURSED, amount="amount"),),
    sealed=("plan", "refusal_reason"),
)
