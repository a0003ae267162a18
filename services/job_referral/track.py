"""Job referral and placement (职业介绍 / 安置就业), declared for the registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from services.cases.tracks import (
    DueStep,
    OpenTask,
    Routes,
    StepRoute,
    StepRule,
    TrackSpec,
    morning_of,
)
from services.deadlines.declarations import (
    ClockRule,
    ClockSpec,
    Meet,
    Start,
    StopUnder,
    Unit,
    item_and,
    the_item,
)
from services.job_referral import rules
from services.job_referral.model import (
    FOLLOW_UP_DAYS,
    FOLLOW_UP_RECORDED,
    NEED,
    PLACEMENT_RECORDED,
    REFERRALS,
    FollowUpDue,
    FollowUpStatus,
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    Referral,
    ReferralStatus,
    ReferToJob,
)
from services.kernel.actors import Role
from services.reports.figures import CATEGORY, Figure

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

FOLLOW_UP = "follow_up"
RECORD_FOLLOW_UP = "record_follow_up"
RECORD_INTERVIEW = "record_interview"
RECORD_INTERVIEW_OUTCOME = "record_interview_outcome"


def _unfinished(referrals: Sequence[Referral]) -> list[str]:
    items = [f"referral {r.id}" for r in referrals if r.status in rules.OPEN_REFERRAL]
    return items + [
        f"follow-up {r.id}/{f.day}"
        for r in referrals
        for f in r.follow_ups
        if f.status in rules.PENDING_FOLLOW_UP
    ]


def _cancel_follow_ups(
    referrals: Sequence[Referral], event: CaseEvent, reason: str | None
) -> list[Referral]:
    """Closing the case stops the follow-ups still to come."""
    return [
        referral.model_copy(
            update={
                "follow_ups": [
                    f.model_copy(update={"status": FollowUpStatus.CANCELLED})
                    if f.status in rules.PENDING_FOLLOW_UP
                    else f
                    for f in referral.follow_ups
                ]
            }
        )
        for referral in referrals
    ]


def _referral_tasks(case: CaseFile) -> Iterable[OpenTask]:
    yield from _interviews(case)
    yield from _follow_ups_to_record(case)


def _interviews(case: CaseFile) -> Iterable[OpenTask]:
    """A referral waits for its interview; an interview held, for its outcome (due the
    morning after the interview day)."""
    for referral in REFERRALS.of(case):
        if referral.status is ReferralStatus.REFERRED:
            yield OpenTask(
                kind=RECORD_INTERVIEW,
                target=referral.id,
                assignee=case.owner,
                role=Role.STAFF,
                since=morning_of(referral.referred_on),
            )
        elif referral.status is ReferralStatus.INTERVIEWING and referral.interview_on:
            yield OpenTask(
                kind=RECORD_INTERVIEW_OUTCOME,
                target=referral.id,
                assignee=case.owner,
                role=Role.STAFF,
                since=morning_of(referral.interview_on),
                due=morning_of(referral.interview_on + timedelta(days=1)),
            )


def _follow_ups_to_record(case: CaseFile) -> Iterable[OpenTask]:
    return (
        OpenTask(
            kind=RECORD_FOLLOW_UP,
            target=f"{referral.id}/{follow_up.day}",
            assignee=case.owner,
            role=Role.STAFF,
            since=rules.follow_up_due_at(follow_up),
            clock=FOLLOW_UP,
        )
        for referral in REFERRALS.of(case)
        for follow_up in referral.follow_ups
        if follow_up.status is FollowUpStatus.DUE
    )


def _follow_ups_falling_due(case: CaseFile) -> Iterable[DueStep]:
    return (
        DueStep(rules.follow_up_due_at(follow_up), FollowUpDue(day=follow_up.day), referral.id)
        for referral in REFERRALS.of(case)
        for follow_up in referral.follow_ups
        if follow_up.status is FollowUpStatus.SCHEDULED
    )


def _left(step: RecordFollowUp) -> bool:
    return not step.still_employed


TRACK = TrackSpec(
    need=NEED,
    items=REFERRALS,
    routes=Routes(segment="referrals", tag="job referral"),
    steps=(
        StepRule(
            ReferToJob,
            rules.check_refer,
            rules.refer,
            route=StepRoute(
                "refer_to_job",
                "Refer the claimant to an employer; ``Location`` names the referral.",
            ),
        ),
        StepRule(
            RecordInterview,
            rules.check_progress,
            rules.progress,
            route=StepRoute("record_interview", "An interview was arranged.", "interview"),
        ),
        StepRule(
            RecordOffer,
            rules.check_progress,
            rules.progress,
            route=StepRoute("record_offer", "The employer made an offer.", "offer"),
        ),
        StepRule(
            RecordPlacement,
            rules.check_progress,
            rules.progress,
            route=StepRoute(
                "record_placement",
                "Placed in the job: schedules follow-ups 30, 90 and 180 days after the start date.",
                "placement",
            ),
        ),
        StepRule(
            RecordNotPlaced,
            rules.check_progress,
            rules.progress,
            route=StepRoute(
                "record_not_placed",
                "The referral did not lead to a job, with the reason.",
                "not-placed",
            ),
        ),
        StepRule(
            FollowUpDue,
            rules.check_follow_up,
            rules.follow_up,
            clocks=(Start(FOLLOW_UP, item_and("day")),),
        ),
        StepRule(
            RecordFollowUp,
            rules.check_follow_up,
            rules.follow_up,
            clocks=(
                Meet(FOLLOW_UP, item_and("day")),
                # Nobody to follow up once the person has left: later follow-ups stop too.
                StopUnder(the_item, kinds=(FOLLOW_UP,), when=_left),
            ),
            route=StepRoute(
                "record_follow_up",
                "Record a due retention follow-up: still employed, or left (with the reason).",
                "follow-ups",
            ),
        ),
    ),
    success=ReferralStatus.PLACED,
    open_items=_unfinished,
    on_close=_cancel_follow_ups,
    clocks=(
        ClockSpec(
            FOLLOW_UP,
            ClockRule(
                duration=5,
                unit=Unit.WORKING_DAYS,
                escalate_every=2,
                warn_hours=24,
                description="follow-up due → recorded",
            ),
        ),
    ),
    figures=(
        Figure("placements", PLACEMENT_RECORDED, by=CATEGORY),
        *(
            figure
            for day in FOLLOW_UP_DAYS
            for figure in (
                Figure(f"retention.{day}.recorded", FOLLOW_UP_RECORDED, where=(("day", day),)),
                Figure(
                    f"retention.{day}.employed",
                    FOLLOW_UP_RECORDED,
                    where=(("day", day), ("still_employed", True)),
                ),
            )
        ),
    ),
    task_kinds=(RECORD_INTERVIEW, RECORD_INTERVIEW_OUTCOME, RECORD_FOLLOW_UP),
    tasks=_referral_tasks,
    due=_follow_ups_falling_due,
    sealed=("not_placed_reason",),
)
