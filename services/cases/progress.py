"""What a case still has open, how each track ended, and the work waiting on people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from services.cases.lifecycle import Stage
from services.cases.model import CaseFile, Need
from services.fee_relief.model import PetitionStatus
from services.job_referral.model import FollowUpStatus, ReferralStatus
from services.job_referral.rules import follow_up_due_at
from services.kernel.actors import Role
from services.kernel.values import Frozen
from services.legal_aid.model import OPEN_MATTER
from services.startup_aid.model import StartupStatus
from services.training.model import TrainingStatus

OPEN_REFERRAL = (ReferralStatus.REFERRED, ReferralStatus.INTERVIEWING, ReferralStatus.OFFERED)
PENDING_FOLLOW_UP = (FollowUpStatus.SCHEDULED, FollowUpStatus.DUE)


class TaskKind(StrEnum):
    DECIDE_ELIGIBILITY = "decide_eligibility"
    ASSIGN_LAWYER = "assign_lawyer"
    REFER_MATTER = "refer_matter"
    CHASE_ACKNOWLEDGEMENT = "chase_acknowledgement"
    RECORD_FOLLOW_UP = "record_follow_up"


class Task(Frozen):
    kind: TaskKind
    target: str | None = None
    assignee: str | None = None
    role: Role
    since: datetime | None = None


def open_items(case: CaseFile) -> list[str]:
    """Items that closing the case would leave unfinished (closing them needs a reason)."""
    items = [f"enrolment {e.id}" for e in case.training if e.status is TrainingStatus.ENROLLED]
    items += [f"referral {r.id}" for r in case.referrals if r.status in OPEN_REFERRAL]
    items += [
        f"follow-up {r.id}/{f.day}"
        for r in case.referrals
        for f in r.follow_ups
        if f.status in PENDING_FOLLOW_UP
    ]
    items += [
        f"start-up application {a.id}"
        for a in case.startup_aid
        if a.status in (StartupStatus.APPLIED, StartupStatus.APPROVED)
    ]
    items += [f"petition {p.id}" for p in case.petitions if p.status is PetitionStatus.SUBMITTED]
    items += [f"legal matter {m.id}" for m in case.legal_matters if m.status in OPEN_MATTER]
    return items


def track_outcomes(case: CaseFile) -> dict[str, str]:
    """One word per track the case holds, for the closing record and the figures."""
    outcomes: dict[str, str] = {}
    for need in case.needs:
        statuses = [str(status) for status in _statuses(case, need)]
        outcomes[need.value] = _best(need, statuses)
    return outcomes


_SUCCESS = {
    Need.TRAINING: TrainingStatus.COMPLETED,
    Need.JOB_REFERRAL: ReferralStatus.PLACED,
    Need.STARTUP_AID: StartupStatus.DISBURSED,
    Need.FEE_RELIEF: PetitionStatus.GRANTED,
    Need.LEGAL_AID: "resolved",
}


def _statuses(case: CaseFile, need: Need) -> list[object]:
    items: dict[Need, list[object]] = {
        Need.TRAINING: [e.status for e in case.training],
        Need.JOB_REFERRAL: [r.status for r in case.referrals],
        Need.STARTUP_AID: [a.status for a in case.startup_aid],
        Need.FEE_RELIEF: [p.status for p in case.petitions],
        Need.LEGAL_AID: [m.status for m in case.legal_matters],
    }
    return items[need]


def _best(need: Need, statuses: list[str]) -> str:
    if not statuses:
        return "not_started"
    success = str(_SUCCESS[need])
    return success if success in statuses else statuses[-1]


def open_tasks(case: CaseFile) -> list[Task]:
    if case.stage is Stage.CLOSED:
        return []
    tasks: list[Task] = []
    if case.stage in (Stage.INTAKE, Stage.ASSESSMENT):
        assignee = case.assessor or case.intake_by
        tasks.append(
            Task(
                kind=TaskKind.DECIDE_ELIGIBILITY,
                assignee=assignee,
                role=Role.STAFF,
                since=case.opened_at,
            )
        )
    if Need.LEGAL_AID in case.needs and case.lawyer is None:
        tasks.append(Task(kind=TaskKind.ASSIGN_LAWYER, role=Role.SUPERVISOR, since=case.opened_at))
    for matter in case.legal_matters:
        if matter.status not in OPEN_MATTER:
            continue
        if not matter.referrals:
            tasks.append(
                Task(
                    kind=TaskKind.REFER_MATTER,
                    target=matter.id,
                    assignee=case.lawyer,
                    role=Role.LAWYER,
                    since=matter.recorded_at,
                )
            )
        tasks += [
            Task(
                kind=TaskKind.CHASE_ACKNOWLEDGEMENT,
                target=f"{matter.id}/{referral.department.value}",
                assignee=case.lawyer,
                role=Role.LAWYER,
                since=referral.sent_at,
            )
            for referral in matter.referrals
            if referral.acknowledged_at is None
        ]
    tasks += [
        Task(
            kind=TaskKind.RECORD_FOLLOW_UP,
            target=f"{referral.id}/{follow_up.day}",
            assignee=case.intake_by,
            role=Role.STAFF,
            since=follow_up_due_at(follow_up),
        )
        for referral in case.referrals
        for follow_up in referral.follow_ups
        if follow_up.status is FollowUpStatus.DUE
    ]
    return tasks
