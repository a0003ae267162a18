"""Start-up aid (创业资助), declared for the registry."""

from __future__ import annotations

from collections.abc import Sequence

from services.cases.tracks import Routes, StepRoute, StepRule, TrackSpec
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
    figures=(Figure("startups_funded", STARTUP_DISBURSED, amount="amount"),),
    sealed=("plan", "refusal_reason"),
)
