"""The case's history: accepted steps once each, with who and when; rejected steps leave no
trace; steps the case records itself cannot be sent by people."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError

from services.cases.model import CaseFile, Need
from services.cases.records import CaseEventRecord
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    CloseCase,
    DecideEligibility,
    ReopenCase,
    StartAssessment,
    Step,
)
from services.job_referral.model import FollowUpDue, RecordOffer, RecordPlacement, ReferToJob
from services.kernel.actors import Actor, Role
from services.legal_aid.model import Channel, Department, RecordInfringement, ReferMatter
from services.training.model import CompleteTraining, DropTraining, EnrolTraining, TrainingStatus
from tests.support import ASSESSOR, LAWYER, STAFF, SUPERVISOR, SYSTEM, intake
from tests.workflows.support import Scenario, rejection

COURSE = EnrolTraining(
    course="Bookkeeping",
    provider="County school",
    starts_on=date(2025, 4, 1),
    ends_on=date(2025, 5, 1),
)


async def test_each_accepted_step_appears_once_in_history_with_actor_role_and_time(
    scenario: Scenario, sqlite_session_factory: sessionmaker[Session]
) -> None:
    run = await scenario.open(intake(Need.LEGAL_AID), actor=STAFF)
    taken: list[tuple[str, Actor, str | None, CaseFile]] = [
        ("case_opened", STAFF, None, await run.case())
    ]
    plan: list[tuple[Step, Actor, str | None]] = [
        (StartAssessment(), ASSESSOR, None),
        (AssignLawyer(lawyer=LAWYER.id), SUPERVISOR, None),
        (RecordInfringement(infringement="fired for serving", infringer="Acme"), LAWYER, None),
        (DecideEligibility(accepted=True), ASSESSOR, None),
        (ReferMatter(department=Department.LABOUR, channel=Channel.FAX), LAWYER, "M4"),
        (AddNeed(need=Need.TRAINING), STAFF, None),
        (COURSE, STAFF, None),
        (CompleteTraining(certificate="BK-1"), STAFF, "T8"),
    ]
    for step, actor, target in plan:
        case = await run.take(step, target=target, actor=actor)
        taken.append((step.kind, actor, target, case))
        await scenario.sleep(timedelta(minutes=5))  # distinct times per step

    history = await run.history()

    assert [e.seq for e in history] == list(range(1, len(taken) + 1))
    assert [e.step.kind for e in history] == [kind for kind, *_ in taken]
    assert len({e.step.kind for e in history}) == len(history)
    for event, (_, actor, target, case) in zip(history, taken, strict=True):
        assert event.case_id == run.id
        assert event.actor == actor
        assert event.actor.role is actor.role
        assert event.target == target
        assert event.at == case.updated_at
        assert case.version == event.seq
    assert [e.at for e in history] == sorted({e.at for e in history})

    with sqlite_session_factory() as session:
        rows = session.scalars(
            select(CaseEventRecord)
            .where(CaseEventRecord.case_id == run.id)
            .order_by(CaseEventRecord.seq)
        ).all()
    assert [(r.seq, r.type, r.actor, r.role, r.target, r.at) for r in rows] == [
        (e.seq, e.step.kind, e.actor.id, e.actor.role.value, e.target, e.at) for e in history
    ]


async def test_rejected_steps_change_neither_the_case_nor_its_history(
    scenario: Scenario,
) -> None:
    run = await scenario.open(intake(Need.JOB_REFERRAL))
    # Each rejection is checked by ``reject``: same case, same history, after it.
    await run.reject(
        ReferToJob(employer="A", position="B", referred_on=date(2025, 1, 1)), "wrong_stage"
    )
    await run.reject(DecideEligibility(accepted=False), "reason_required")
    await run.reject(ReopenCase(reason="x"), "wrong_stage")
    await run.reject(AddNeed(need=Need.JOB_REFERRAL), "need_present")
    await run.activate()
    referral_id = (
        (await run.take(ReferToJob(employer="A", position="B", referred_on=date(2025, 1, 1))))
        .referrals[0]
        .id
    )
    placement = RecordPlacement(starts_on=date(2025, 2, 1), monthly_wage=Decimal("3000"))
    await run.reject(placement, "wrong_status", referral_id)
    await run.reject(placement, "unknown_referral", "R1")
    await run.reject(COURSE, "need_missing")
    await run.reject(StartAssessment(), "wrong_stage")
    await run.take(RecordOffer(), referral_id)
    await run.reject(CloseCase(), "reason_required")

    history = await run.history()
    assert [e.step.kind for e in history] == [
        "case_opened",
        "assessment_started",
        "eligibility_decided",
        "job_referred",
        "offer_recorded",
    ]
    assert (await run.case()).version == len(history)


async def test_a_system_step_sent_by_a_person_is_rejected(scenario: Scenario) -> None:
    run = await scenario.open(intake(Need.JOB_REFERRAL))
    await run.activate()
    referral_id = (
        (await run.take(ReferToJob(employer="A", position="B", referred_on=date(2025, 1, 1))))
        .referrals[0]
        .id
    )
    await run.take(RecordOffer(), referral_id)
    today = (await scenario.now()).date()
    await run.take(RecordPlacement(starts_on=today, monthly_wage=Decimal("3000")), referral_id)

    for actor in (STAFF, SUPERVISOR, LAWYER):
        assert actor.role is not Role.SYSTEM
        await run.reject(FollowUpDue(day=30), "system_step", referral_id, actor=actor)
    # Even an actor calling itself "system" needs the system role.
    impostor = STAFF.model_copy(update={"id": SYSTEM.id})
    await run.reject(FollowUpDue(day=30), "system_step", referral_id, actor=impostor)
    assert all(f.status == "scheduled" for f in (await run.case()).referrals[0].follow_ups)


async def test_of_two_racing_conflicting_steps_only_one_is_recorded(scenario: Scenario) -> None:
    run = await scenario.open(intake(Need.TRAINING))
    await run.activate()
    enrolment_id = (await run.take(COURSE)).training[0].id
    before = len(await run.history())

    outcomes = await asyncio.gather(
        run.take(CompleteTraining(certificate="A"), enrolment_id),
        run.take(DropTraining(reason="moved away"), enrolment_id),
        return_exceptions=True,
    )

    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(accepted) == 1, outcomes
    assert len(failed) == 1, outcomes
    assert isinstance(failed[0], WorkflowUpdateFailedError)
    assert rejection(failed[0])["code"] == "wrong_status"
    history = await run.history()
    assert len(history) == before + 1
    assert (await run.case()).training[0].status in (
        TrainingStatus.COMPLETED,
        TrainingStatus.DROPPED,
    )
