"""Every kind of step, of the case and of every kind of help, accepted on a case it fits
and refused on one it does not: a kind of help added to the registry without examples
here fails ``test_every_step_kind_has_an_accepted_and_a_refused_example``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import get_args

import pytest

from services.cases.corrections import ClaimantDetails, CorrectClaimant
from services.cases.evidence import RecordEvidence
from services.cases.lifecycle import CaseOutcome
from services.cases.model import Need
from services.cases.notes import AddNote, ContactKind
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    ClockAlarm,
    CloseCase,
    DecideEligibility,
    OpenCase,
    PauseClock,
    ReassignCase,
    ReopenCase,
    ResumeClock,
    StartAssessment,
    Step,
    WithdrawCase,
)
from services.fee_relief.model import Bureau, GrantPetition, RefusePetition, SubmitPetition
from services.hardship_aid.model import (
    Difficulty,
    GrantHardshipAid,
    PayHardshipAid,
    RefuseHardshipAid,
    RequestHardshipAid,
)
from services.job_referral.model import (
    FollowUpDue,
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.kernel.actors import SYSTEM_ACTOR, Actor
from services.legal_aid.model import (
    AcknowledgeMatter,
    Channel,
    CloseMatterWithoutRemedy,
    Department,
    ProgressStage,
    RecordInfringement,
    ReferMatter,
    ReissueDepartmentLink,
    ReportProgress,
    ResolveMatter,
    RevokeDepartmentLink,
)
from services.startup_aid.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
)
from services.training.model import CompleteTraining, DropTraining, EnrolTraining
from tests.support import LAWYER, STAFF, SUPERVISOR, intake
from tests.unit.story import Story

DAY = date(2026, 3, 2)
MONEY = Decimal("1000.00")
COURSE = EnrolTraining(course="Welding", provider="School", starts_on=DAY, ends_on=DAY)
REFERRAL = ReferToJob(employer="Acme", position="Driver", referred_on=DAY)
APPLICATION = ApplyStartupAid(plan="A noodle stall", amount_requested=MONEY)
PETITION = SubmitPetition(bureau=Bureau.TAX, request="Waive the fee", submitted_on=DAY)
INFRINGEMENT = RecordInfringement(infringement="Wages withheld", infringer="Acme")
PAYSLIP = RecordEvidence(
    file_id=uuid.UUID(int=7), content_type="application/pdf", size=1024, sha256="ab" * 32
)
LABOUR = ReferMatter(department=Department.LABOUR, channel=Channel.LETTER)
REVOKE_LABOUR = RevokeDepartmentLink(department=Department.LABOUR, reason="sent to a wrong address")
REISSUE_LABOUR = ReissueDepartmentLink(department=Department.LABOUR)
INVESTIGATING = ReportProgress(department=Department.LABOUR, stage=ProgressStage.INVESTIGATING)
HARDSHIP = RequestHardshipAid(difficulty=Difficulty.LIVING, amount_requested=MONEY)
PAYMENT = PayHardshipAid(amount=MONEY, paid_on=DAY)
CALL = AddNote(contact=ContactKind.PHONE_CALL, happened_at="2026-03-02T09:00:00Z", note="Called")
NEW_PHONE = CorrectClaimant(claimant=ClaimantDetails(phone="13900000001"), reason="New number")


@dataclass(frozen=True)
class Example:
    given: Callable[[], Story]
    step: Step
    target: str | None = None
    actor: Actor = STAFF
    code: str = ""  # the refusal's code, for a refused example


def active(*needs: Need) -> Callable[[], Story]:
    return lambda: Story.active(*needs)


def then(
    given: Callable[[], Story], *steps: Step, target: str | None = None
) -> Callable[[], Story]:
    """``given``, then ``steps`` (the first makes the item ``target`` the others act on)."""

    def story() -> Story:
        built = given()
        for step in steps:
            built.take(step, target if step is not steps[0] else None)
        return built

    return story


def closed() -> Story:
    story = Story.active()
    story.take(CloseCase(outcome=CaseOutcome.SERVED))
    return story


def placed() -> Story:
    return then(
        active(Need.JOB_REFERRAL),
        REFERRAL,
        RecordOffer(),
        RecordPlacement(starts_on=DAY, monthly_wage=MONEY),
        target="R4",
    )()


def placed_and_due() -> Story:
    story = placed()
    story.later(timedelta(days=30))
    return story


def with_matter() -> Story:
    story = Story.opened(Need.LEGAL_AID)
    story.take(INFRINGEMENT, actor=LAWYER)
    return story


def referred_matter() -> Story:
    story = with_matter()
    story.take(LABOUR, "M2", LAWYER)
    return story


def acknowledged_matter() -> Story:
    story = referred_matter()
    story.take(AcknowledgeMatter(department=Department.LABOUR), "M2", LAWYER)
    return story


def revoked_link() -> Story:
    story = referred_matter()
    story.take(REVOKE_LABOUR, "M2", LAWYER)
    return story


def paused() -> Story:
    story = Story.opened()
    story.take(PauseClock(reason="waiting"), "eligibility@1")
    return story


APPROVED = then(
    active(Need.STARTUP_AID), APPLICATION, ApproveStartupAid(amount_approved=MONEY), target="S4"
)
FOLLOW_UP = RecordFollowUp(day=30, still_employed=True)
HARDSHIP_REQUESTED = then(active(Need.HARDSHIP_AID), HARDSHIP)
HARDSHIP_GRANTED = then(
    active(Need.HARDSHIP_AID), HARDSHIP, GrantHardshipAid(amount_granted=MONEY), target="H4"
)

ACCEPTED: dict[type, Example] = {
    OpenCase: Example(Story, intake()),
    StartAssessment: Example(Story.opened, StartAssessment()),
    DecideEligibility: Example(Story.opened, DecideEligibility(accepted=True)),
    AddNeed: Example(active(), AddNeed(need=Need.TRAINING)),
    AssignLawyer: Example(with_matter, AssignLawyer(lawyer="lawyer-2"), actor=SUPERVISOR),
    ReassignCase: Example(active(), ReassignCase(owner="staff-2"), actor=SUPERVISOR),
    CloseCase: Example(active(), CloseCase(outcome=CaseOutcome.SERVED)),
    WithdrawCase: Example(Story.opened, WithdrawCase(reason="moved away")),
    ReopenCase: Example(closed, ReopenCase(reason="back again")),
    PauseClock: Example(Story.opened, PauseClock(reason="waiting"), "eligibility@1"),
    ResumeClock: Example(paused, ResumeClock(), "eligibility@1"),
    ClockAlarm: Example(Story.opened, ClockAlarm(), "case_stale@1", SYSTEM_ACTOR),
    EnrolTraining: Example(active(Need.TRAINING), COURSE),
    CompleteTraining: Example(then(active(Need.TRAINING), COURSE), CompleteTraining(), "T4"),
    DropTraining: Example(then(active(Need.TRAINING), COURSE), DropTraining(reason="ill"), "T4"),
    ReferToJob: Example(active(Need.JOB_REFERRAL), REFERRAL),
    RecordInterview: Example(
        then(active(Need.JOB_REFERRAL), REFERRAL), RecordInterview(interview_on=DAY), "R4"
    ),
    RecordOffer: Example(then(active(Need.JOB_REFERRAL), REFERRAL), RecordOffer(), "R4"),
    RecordPlacement: Example(
        then(active(Need.JOB_REFERRAL), REFERRAL, RecordOffer(), target="R4"),
        RecordPlacement(starts_on=DAY, monthly_wage=MONEY),
        "R4",
    ),
    RecordNotPlaced: Example(
        then(active(Need.JOB_REFERRAL), REFERRAL), RecordNotPlaced(reason="no show"), "R4"
    ),
    FollowUpDue: Example(placed, FollowUpDue(day=30), "R4", SYSTEM_ACTOR),
    RecordFollowUp: Example(placed_and_due, FOLLOW_UP, "R4"),
    ApplyStartupAid: Example(active(Need.STARTUP_AID), APPLICATION),
    ApproveStartupAid: Example(
        then(active(Need.STARTUP_AID), APPLICATION), ApproveStartupAid(amount_approved=MONEY), "S4"
    ),
    RefuseStartupAid: Example(
        then(active(Need.STARTUP_AID), APPLICATION), RefuseStartupAid(reason="not viable"), "S4"
    ),
    DisburseStartupAid: Example(APPROVED, DisburseStartupAid(amount=MONEY, disbursed_on=DAY), "S4"),
    SubmitPetition: Example(active(Need.FEE_RELIEF), PETITION),
    GrantPetition: Example(
        then(active(Need.FEE_RELIEF), PETITION), GrantPetition(relief="fee waived"), "P4"
    ),
    RefusePetition: Example(
        then(active(Need.FEE_RELIEF), PETITION), RefusePetition(reason="no exemption"), "P4"
    ),
    RecordInfringement: Example(lambda: Story.opened(Need.LEGAL_AID), INFRINGEMENT, actor=LAWYER),
    ReferMatter: Example(with_matter, LABOUR, "M2", LAWYER),
    AcknowledgeMatter: Example(
        referred_matter, AcknowledgeMatter(department=Department.LABOUR), "M2", LAWYER
    ),
    ResolveMatter: Example(referred_matter, ResolveMatter(outcome="wages paid"), "M2", LAWYER),
    RevokeDepartmentLink: Example(referred_matter, REVOKE_LABOUR, "M2", LAWYER),
    ReissueDepartmentLink: Example(revoked_link, REISSUE_LABOUR, "M2", LAWYER),
    ReportProgress: Example(acknowledged_matter, INVESTIGATING, "M2", LAWYER),
    CloseMatterWithoutRemedy: Example(
        with_matter, CloseMatterWithoutRemedy(reason="settled"), "M2", LAWYER
    ),
    RequestHardshipAid: Example(active(Need.HARDSHIP_AID), HARDSHIP),
    GrantHardshipAid: Example(HARDSHIP_REQUESTED, GrantHardshipAid(amount_granted=MONEY), "H4"),
    RefuseHardshipAid: Example(HARDSHIP_REQUESTED, RefuseHardshipAid(reason="above line"), "H4"),
    PayHardshipAid: Example(HARDSHIP_GRANTED, PAYMENT, "H4"),
    AddNote: Example(closed, CALL),
    CorrectClaimant: Example(Story.opened, NEW_PHONE),
    RecordEvidence: Example(with_matter, PAYSLIP, "M2", LAWYER),
}

REFUSED: dict[type, Example] = {
    AddNote: Example(with_matter, CALL.model_copy(update={"item": "R9"}), code="unknown_item"),
    CorrectClaimant: Example(closed, NEW_PHONE, code="wrong_stage"),
    RecordEvidence: Example(with_matter, PAYSLIP, "M9", code="unknown_item"),
    OpenCase: Example(Story.opened, intake(), code="case_exists"),
    StartAssessment: Example(active(), StartAssessment(), code="wrong_stage"),
    DecideEligibility: Example(
        Story.opened, DecideEligibility(accepted=False), code="reason_required"
    ),
    AddNeed: Example(active(), AddNeed(need=Need.JOB_REFERRAL), code="need_present"),
    AssignLawyer: Example(
        active(), AssignLawyer(lawyer="lawyer-2"), actor=SUPERVISOR, code="need_missing"
    ),
    ReassignCase: Example(
        closed, ReassignCase(owner="staff-2"), actor=SUPERVISOR, code="wrong_stage"
    ),
    CloseCase: Example(closed, CloseCase(outcome=CaseOutcome.SERVED), code="wrong_stage"),
    WithdrawCase: Example(closed, WithdrawCase(reason="again"), code="wrong_stage"),
    ReopenCase: Example(active(), ReopenCase(reason="why"), code="wrong_stage"),
    PauseClock: Example(paused, PauseClock(reason="again"), "eligibility@1", code="wrong_status"),
    ResumeClock: Example(Story.opened, ResumeClock(), "eligibility@1", code="wrong_status"),
    ClockAlarm: Example(Story.opened, ClockAlarm(), "case_stale@1", code="system_step"),
    EnrolTraining: Example(active(Need.JOB_REFERRAL), COURSE, code="need_missing"),
    CompleteTraining: Example(
        active(Need.TRAINING), CompleteTraining(), "T9", code="unknown_enrolment"
    ),
    DropTraining: Example(Story.opened, DropTraining(reason="x"), "T4", code="wrong_stage"),
    ReferToJob: Example(Story.opened, REFERRAL, code="wrong_stage"),
    RecordInterview: Example(
        then(active(Need.JOB_REFERRAL), REFERRAL, RecordOffer(), target="R4"),
        RecordInterview(interview_on=DAY),
        "R4",
        code="wrong_status",
    ),
    RecordOffer: Example(active(Need.JOB_REFERRAL), RecordOffer(), "R9", code="unknown_referral"),
    RecordPlacement: Example(
        then(active(Need.JOB_REFERRAL), REFERRAL),
        RecordPlacement(starts_on=DAY, monthly_wage=MONEY),
        "R4",
        code="wrong_status",
    ),
    RecordNotPlaced: Example(placed, RecordNotPlaced(reason="late"), "R4", code="wrong_status"),
    FollowUpDue: Example(placed, FollowUpDue(day=30), "R4", code="system_step"),
    RecordFollowUp: Example(placed, FOLLOW_UP, "R4", code="follow_up_not_due"),
    ApplyStartupAid: Example(active(Need.TRAINING), APPLICATION, code="need_missing"),
    ApproveStartupAid: Example(
        APPROVED, ApproveStartupAid(amount_approved=MONEY), "S4", code="wrong_status"
    ),
    RefuseStartupAid: Example(
        active(Need.STARTUP_AID), RefuseStartupAid(reason="x"), "S9", code="unknown_application"
    ),
    DisburseStartupAid: Example(
        APPROVED,
        DisburseStartupAid(amount=MONEY + 1, disbursed_on=DAY),
        "S4",
        code="amount_exceeds_approval",
    ),
    SubmitPetition: Example(active(Need.TRAINING), PETITION, code="need_missing"),
    GrantPetition: Example(
        then(active(Need.FEE_RELIEF), PETITION, RefusePetition(reason="no"), target="P4"),
        GrantPetition(relief="x"),
        "P4",
        code="wrong_status",
    ),
    RefusePetition: Example(
        active(Need.FEE_RELIEF), RefusePetition(reason="x"), "P9", code="unknown_petition"
    ),
    RecordInfringement: Example(Story.opened, INFRINGEMENT, actor=LAWYER, code="need_missing"),
    ReferMatter: Example(referred_matter, LABOUR, "M2", LAWYER, code="already_referred"),
    AcknowledgeMatter: Example(
        with_matter,
        AcknowledgeMatter(department=Department.LABOUR),
        "M2",
        LAWYER,
        code="not_referred",
    ),
    ResolveMatter: Example(
        with_matter, ResolveMatter(outcome="x"), "M2", LAWYER, code="not_referred"
    ),
    CloseMatterWithoutRemedy: Example(
        with_matter, CloseMatterWithoutRemedy(reason="x"), "M9", LAWYER, code="unknown_matter"
    ),
    RevokeDepartmentLink: Example(with_matter, REVOKE_LABOUR, "M2", LAWYER, code="not_referred"),
    ReissueDepartmentLink: Example(
        referred_matter, REISSUE_LABOUR, "M2", LAWYER, code="link_not_revoked"
    ),
    ReportProgress: Example(referred_matter, INVESTIGATING, "M2", LAWYER, code="not_acknowledged"),
    RequestHardshipAid: Example(active(Need.TRAINING), HARDSHIP, code="need_missing"),
    GrantHardshipAid: Example(
        HARDSHIP_GRANTED, GrantHardshipAid(amount_granted=MONEY), "H4", code="wrong_status"
    ),
    RefuseHardshipAid: Example(
        HARDSHIP_REQUESTED, RefuseHardshipAid(reason="x"), "H9", code="unknown_request"
    ),
    PayHardshipAid: Example(
        HARDSHIP_GRANTED,
        PayHardshipAid(amount=MONEY + 1, paid_on=DAY),
        "H4",
        code="amount_exceeds_grant",
    ),
}


def test_every_step_kind_has_an_accepted_and_a_refused_example() -> None:
    (union, _) = get_args(Step)
    kinds = set(get_args(union))

    assert set(ACCEPTED) == kinds
    assert set(REFUSED) == kinds


@pytest.mark.parametrize("kind", ACCEPTED, ids=lambda kind: kind.__name__)
def test_a_step_that_fits_the_case_is_recorded_as_its_next_event(kind: type) -> None:
    example = ACCEPTED[kind]
    story = example.given()
    version = story.case.version if story.case else 0

    case = story.take(example.step, example.target, example.actor)

    assert (case.version, story.last.seq) == (version + 1, version + 1)
    # A correction's event also says what the fields held before (the case adds it).
    recorded = story.last.step.model_dump(exclude={"previous"})
    assert (recorded, story.last.target, story.last.actor) == (
        example.step.model_dump(exclude={"previous"}),
        example.target,
        example.actor,
    )


@pytest.mark.parametrize("kind", REFUSED, ids=lambda kind: kind.__name__)
def test_a_step_that_does_not_fit_the_case_is_refused_and_changes_nothing(kind: type) -> None:
    example = REFUSED[kind]

    example.given().refuses(example.step, example.code, example.target, example.actor)
