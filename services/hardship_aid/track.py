"""Hardship assistance (困难帮扶), declared for the registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from services.cases.tracks import OpenTask, Routes, StepRoute, StepRule, TrackSpec
from services.deadlines.declarations import (
    ClockRule,
    ClockSpec,
    Meet,
    Start,
    Unit,
    new_item,
    the_item,
)
from services.hardship_aid import rules
from services.hardship_aid.model import (
    HARDSHIP_GRANTED,
    HARDSHIP_PAID,
    HARDSHIP_REQUESTED,
    NEED,
    REQUESTS,
    GrantHardshipAid,
    HardshipRequest,
    HardshipStatus,
    PayHardshipAid,
    RefuseHardshipAid,
    RequestHardshipAid,
)
from services.kernel.actors import Role
from services.reports.figures import CATEGORY, Figure

if TYPE_CHECKING:
    from services.cases.model import CaseFile

HARDSHIP_DECISION = "hardship_decision"
DECIDE_HARDSHIP_REQUEST = "decide_hardship_request"
PAY_HARDSHIP_GRANT = "pay_hardship_grant"
OPEN = (HardshipStatus.REQUESTED, HardshipStatus.GRANTED)


def _unfinished(requests: Sequence[HardshipRequest]) -> list[str]:
    return [f"hardship request {r.id}" for r in requests if r.status in OPEN]


def _to_decide_or_pay(case: CaseFile) -> Iterable[OpenTask]:
    for request in REQUESTS.of(case):
        since: datetime | None
        if request.status is HardshipStatus.REQUESTED:
            kind, since = DECIDE_HARDSHIP_REQUEST, request.requested_at
        elif request.status is HardshipStatus.GRANTED:
            kind, since = PAY_HARDSHIP_GRANT, request.decided_at
        else:
            continue
        yield OpenTask(
            kind=kind,
            target=request.id,
            assignee=case.owner,
            role=Role.STAFF,
            since=since,
            clock=HARDSHIP_DECISION if kind == DECIDE_HARDSHIP_REQUEST else None,
        )


TRACK = TrackSpec(
    need=NEED,
    items=REQUESTS,
    routes=Routes(segment="hardship-aid", tag="hardship aid"),
    steps=(
        StepRule(
            RequestHardshipAid,
            rules.check_request,
            rules.request,
            clocks=(Start(HARDSHIP_DECISION, new_item(REQUESTS.prefix)),),
            route=StepRoute(
                "request_hardship_aid",
                "Record a family's request for help from the assistance fund: the kind of "
                "difficulty, the situation (sealed) and the amount asked; ``Location`` names "
                "the request.",
            ),
        ),
        StepRule(
            GrantHardshipAid,
            rules.check_decide,
            rules.decide,
            clocks=(Meet(HARDSHIP_DECISION, the_item),),
            route=StepRoute(
                "grant_hardship_aid", "The centre granted an amount from its fund.", "grant"
            ),
        ),
        StepRule(
            RefuseHardshipAid,
            rules.check_decide,
            rules.decide,
            clocks=(Meet(HARDSHIP_DECISION, the_item),),
            route=StepRoute(
                "refuse_hardship_aid", "The centre refused the request, with the reason.", "refusal"
            ),
        ),
        StepRule(
            PayHardshipAid,
            rules.check_pay,
            rules.pay,
            route=StepRoute(
                "pay_hardship_aid",
                "A payment of the grant (all payments together at most the amount granted).",
                "payments",
            ),
        ),
    ),
    success=HardshipStatus.PAID,
    open_items=_unfinished,
    clocks=(
        ClockSpec(
            HARDSHIP_DECISION,
            ClockRule(
                duration=5,
                unit=Unit.WORKING_DAYS,
                escalate_every=2,
                warn_hours=24,
                description="hardship request → granted or refused",
            ),
        ),
    ),
    figures=(
        Figure("hardship_requested", HARDSHIP_REQUESTED, amount="amount_requested"),
        Figure("hardship_granted", HARDSHIP_GRANTED, amount="amount_granted", by=CATEGORY),
        Figure("hardship_paid", HARDSHIP_PAID, amount="amount"),
    ),
    task_kinds=(DECIDE_HARDSHIP_REQUEST, PAY_HARDSHIP_GRANT),
    tasks=_to_decide_or_pay,
    sealed=("situation", "refusal_reason"),
)
