"""Rules of the job referral and placement track, with its retention follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from services.cases.lifecycle import Stage, require_need, require_stage
from services.job_referral.model import (
    FOLLOW_UP_DAYS,
    NEED,
    REFERRALS,
    FollowUp,
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
from services.kernel.errors import StepRejected
from services.kernel.rulekit import require_status

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

OPEN_REFERRAL = (ReferralStatus.REFERRED, ReferralStatus.INTERVIEWING, ReferralStatus.OFFERED)
PENDING_FOLLOW_UP = (FollowUpStatus.SCHEDULED, FollowUpStatus.DUE)
_NEXT_STATUS: dict[type, tuple[tuple[ReferralStatus, ...], ReferralStatus]] = {
    RecordInterview: ((ReferralStatus.REFERRED,), ReferralStatus.INTERVIEWING),
    RecordOffer: ((ReferralStatus.REFERRED, ReferralStatus.INTERVIEWING), ReferralStatus.OFFERED),
    RecordPlacement: ((ReferralStatus.OFFERED,), ReferralStatus.PLACED),
    RecordNotPlaced: (OPEN_REFERRAL, ReferralStatus.NOT_PLACED),
}


def follow_up_due_at(follow_up: FollowUp) -> datetime:
    """Follow-ups fall due at the start of their day (UTC, i.e. the centre's morning)."""
    return datetime.combine(follow_up.due_on, time(0, 0), tzinfo=UTC)


def check_refer(case: CaseFile, step: ReferToJob, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    require_need(case, NEED)


def check_progress(case: CaseFile, step: object, target: str | None) -> None:
    require_stage(case, Stage.ACTIVE)
    referral = REFERRALS.find(case, target)
    allowed, _ = _NEXT_STATUS[type(step)]
    require_status(referral.status, allowed, "referral")


def check_follow_up(case: CaseFile, step: FollowUpDue | RecordFollowUp, target: str | None) -> None:
    referral = REFERRALS.find(case, target)
    follow_up = _follow_up(referral, step.day)
    wanted = FollowUpStatus.SCHEDULED if isinstance(step, FollowUpDue) else FollowUpStatus.DUE
    if follow_up.status is not wanted:
        raise StepRejected(
            f"the {step.day}-day follow-up is {follow_up.status.value}, not {wanted.value}",
            code="follow_up_not_due",
            field="day",
        )


def refer(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, ReferToJob)
    referral = Referral(
        id=REFERRALS.new_id(event),
        employer=step.employer,
        position=step.position,
        referred_on=step.referred_on,
    )
    return REFERRALS.added(case, event, referral)


def progress(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    referral = REFERRALS.find(case, event.target)
    _, status = _NEXT_STATUS[type(step)]
    changes: dict[str, object] = {"status": status}
    if isinstance(step, RecordInterview):
        changes["interview_on"] = step.interview_on
    elif isinstance(step, RecordOffer):
        changes["offered_wage"] = step.monthly_wage
    elif isinstance(step, RecordPlacement):
        changes["starts_on"] = step.starts_on
        changes["monthly_wage"] = step.monthly_wage
        changes["follow_ups"] = [
            FollowUp(day=day, due_on=step.starts_on + timedelta(days=day)) for day in FOLLOW_UP_DAYS
        ]
    elif isinstance(step, RecordNotPlaced):
        changes["not_placed_reason"] = step.reason
    return REFERRALS.replaced(case, event, referral.model_copy(update=changes))


def follow_up(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, FollowUpDue | RecordFollowUp)
    referral = REFERRALS.find(case, event.target)
    follow_ups = []
    left = False
    for item in referral.follow_ups:
        if item.day == step.day and isinstance(step, FollowUpDue):
            item = item.model_copy(update={"status": FollowUpStatus.DUE})
        elif item.day == step.day and isinstance(step, RecordFollowUp):
            left = not step.still_employed
            status = FollowUpStatus.EMPLOYED if step.still_employed else FollowUpStatus.LEFT
            item = item.model_copy(
                update={"status": status, "recorded_at": event.at, "reason": step.reason}
            )
        elif left and item.status in PENDING_FOLLOW_UP:
            # Nobody to follow up once the person has left the job.
            item = item.model_copy(update={"status": FollowUpStatus.CANCELLED})
        follow_ups.append(item)
    return REFERRALS.replaced(case, event, referral.model_copy(update={"follow_ups": follow_ups}))


def _follow_up(referral: Referral, day: int) -> FollowUp:
    for item in referral.follow_ups:
        if item.day == day:
            return item
    raise StepRejected(
        f"referral {referral.id} has no {day}-day follow-up (is it placed?)",
        code="follow_up_not_due",
        field="day",
    )
