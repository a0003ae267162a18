"""Legal aid: infringements recorded as legal matters, referred to the labour and justice
departments, acknowledged, resolved or closed."""

from __future__ import annotations

import uuid
from datetime import date

from services.cases.evidence import RecordEvidence
from services.cases.lifecycle import Stage
from services.cases.model import Need
from services.cases.progress import TaskKind, open_tasks
from services.cases.steps import AssignLawyer
from services.kernel.actors import Actor, Role
from services.legal_aid.model import (
    AcknowledgeMatter,
    Channel,
    CloseMatterWithoutRemedy,
    Department,
    MatterStatus,
    ProgressStage,
    RecordInfringement,
    ReferMatter,
    ReissueDepartmentLink,
    ReportProgress,
    ResolveMatter,
    RevokeDepartmentLink,
)
from tests.support import LAWYER, STAFF, SUPERVISOR
from tests.unit.story import Story

INFRINGEMENT = RecordInfringement(
    infringement="Employer withheld three months' wages of a serving soldier's wife",
    infringer="Acme Textiles",
    occurred_on=date(2025, 2, 1),
    evidence=["payslips", "bank statement"],
)


def refer(department: Department) -> ReferMatter:
    return ReferMatter(department=department, channel=Channel.PHONE, reference=f"{department}-1")


def with_matter() -> tuple[Story, str]:
    """A legal-aid case still at intake with one recorded matter and a lawyer."""
    story = Story.opened(Need.LEGAL_AID)
    matter_id = story.take(INFRINGEMENT).legal_matters[0].id
    story.take(AssignLawyer(lawyer=LAWYER.id), actor=SUPERVISOR)
    return story, matter_id


def test_infringement_is_recorded_at_intake_before_eligibility_as_a_priority() -> None:
    story = Story.opened(Need.LEGAL_AID)
    assert story.current.priority is True

    case = story.take(INFRINGEMENT)

    assert case.stage is Stage.INTAKE
    (matter,) = case.legal_matters
    assert matter.id == f"M{case.version}"
    assert matter.status is MatterStatus.RECORDED
    assert matter.infringer == "Acme Textiles"
    assert matter.evidence == ["payslips", "bank statement"]
    assert matter.recorded_at == case.updated_at
    tasks = {task.kind: task for task in open_tasks(case)}
    assert set(tasks) == {
        TaskKind.DECIDE_ELIGIBILITY,
        TaskKind.ASSIGN_LAWYER,
        TaskKind.REFER_MATTER,
    }
    assert tasks[TaskKind.REFER_MATTER].target == matter.id


def test_matter_is_acknowledged_once_both_departments_answer() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    referred = story.take(refer(Department.JUSTICE), matter_id, LAWYER)
    (matter,) = referred.legal_matters
    assert matter.status is MatterStatus.REFERRED
    assert [r.department for r in matter.referrals] == [Department.LABOUR, Department.JUSTICE]
    assert matter.referrals[1].sent_at == referred.updated_at
    chases = [t for t in open_tasks(referred) if t.kind is TaskKind.CHASE_ACKNOWLEDGEMENT]
    assert sorted(t.target or "" for t in chases) == [f"{matter_id}/justice", f"{matter_id}/labour"]
    assert all(t.assignee == LAWYER.id for t in chases)

    one = story.take(
        AcknowledgeMatter(department=Department.LABOUR, reference="LB-7"), matter_id, LAWYER
    )
    assert one.legal_matters[0].status is MatterStatus.REFERRED
    assert one.legal_matters[0].referrals[0].acknowledged_at == one.updated_at
    assert one.legal_matters[0].referrals[0].acknowledgement_reference == "LB-7"

    both = story.take(AcknowledgeMatter(department=Department.JUSTICE), matter_id, LAWYER)
    assert both.legal_matters[0].status is MatterStatus.ACKNOWLEDGED
    assert [t for t in open_tasks(both) if t.kind is TaskKind.CHASE_ACKNOWLEDGEMENT] == []

    resolved = story.take(ResolveMatter(outcome="Wages paid in full"), matter_id, LAWYER)
    assert resolved.legal_matters[0].status is MatterStatus.RESOLVED
    assert resolved.legal_matters[0].outcome == "Wages paid in full"


def test_referring_twice_to_the_same_department_is_refused() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)

    story.refuses(
        refer(Department.LABOUR), "already_referred", matter_id, LAWYER, field="department"
    )
    story.take(refer(Department.JUSTICE), matter_id, LAWYER)
    story.refuses(refer(Department.JUSTICE), "already_referred", matter_id, LAWYER)


def test_resolving_or_acknowledging_before_referral_is_refused() -> None:
    story, matter_id = with_matter()

    story.refuses(ResolveMatter(outcome="settled"), "not_referred", matter_id, LAWYER)
    story.refuses(
        AcknowledgeMatter(department=Department.LABOUR),
        "not_referred",
        matter_id,
        LAWYER,
        field="department",
    )
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    story.refuses(
        AcknowledgeMatter(department=Department.JUSTICE), "not_referred", matter_id, LAWYER
    )
    story.take(AcknowledgeMatter(department=Department.LABOUR), matter_id, LAWYER)
    story.refuses(
        AcknowledgeMatter(department=Department.LABOUR), "already_acknowledged", matter_id, LAWYER
    )


def test_a_resolved_or_closed_matter_takes_no_more_steps() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    story.take(ResolveMatter(outcome="Apology and back pay"), matter_id, LAWYER)

    story.refuses(refer(Department.JUSTICE), "wrong_status", matter_id, LAWYER)
    story.refuses(ResolveMatter(outcome="again"), "wrong_status", matter_id, LAWYER)
    story.refuses(ResolveMatter(outcome="x"), "unknown_matter", "M99", LAWYER, field="matter_id")

    other = story.take(INFRINGEMENT).legal_matters[1].id
    closed = story.take(CloseMatterWithoutRemedy(reason="the claimant settled"), other, LAWYER)
    assert closed.legal_matters[1].status is MatterStatus.CLOSED_WITHOUT_REMEDY
    assert closed.legal_matters[1].closure_reason == "the claimant settled"
    story.refuses(CloseMatterWithoutRemedy(reason="again"), "wrong_status", other, LAWYER)


def test_the_referral_clock_starts_with_the_matter_and_is_met_by_its_first_referral() -> None:
    story, matter_id = with_matter()
    started = {clock.kind.value: clock for clock in story.events[1].clocks}
    assert started["legal_referral"].target == matter_id
    assert started["legal_referral"].assignee == story.events[1].actor.id

    referred = story.take(refer(Department.LABOUR), matter_id, LAWYER)

    clocks = {(clock.kind.value, clock.target): clock for clock in referred.clocks}
    assert clocks[("legal_referral", matter_id)].satisfied_at == referred.updated_at
    acknowledgement = clocks[("acknowledgement", f"{matter_id}/labour")]
    assert (acknowledgement.satisfied_at, acknowledgement.assignee) == (None, LAWYER.id)


def test_legal_steps_need_the_legal_aid_need() -> None:
    story = Story.opened(Need.JOB_REFERRAL)

    story.refuses(INFRINGEMENT, "need_missing", field="needs")
    story.refuses(AssignLawyer(lawyer="lawyer-1"), "need_missing", actor=SUPERVISOR)


LABOUR_OFFICE = Actor(id="department:labour", role=Role.DEPARTMENT)


def revoke(department: Department) -> RevokeDepartmentLink:
    return RevokeDepartmentLink(department=department, reason="the letter went to a wrong address")


def test_a_department_answers_only_its_own_referral_through_its_link() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)

    # Only an answer, only for itself: nothing a centre's person does.
    story.refuses(
        AcknowledgeMatter(department=Department.JUSTICE), "not_an_answer", matter_id, LABOUR_OFFICE
    )
    story.refuses(CloseMatterWithoutRemedy(reason="x"), "not_an_answer", matter_id, LABOUR_OFFICE)
    story.refuses(INFRINGEMENT, "not_an_answer", actor=LABOUR_OFFICE)
    justice_office = Actor(id="department:justice", role=Role.DEPARTMENT)
    story.refuses(ResolveMatter(outcome="x"), "link_revoked", matter_id, justice_office)

    acknowledged = story.take(
        AcknowledgeMatter(department=Department.LABOUR), matter_id, LABOUR_OFFICE
    )
    assert acknowledged.legal_matters[0].status is MatterStatus.ACKNOWLEDGED


def test_a_revoked_link_takes_no_answer_while_the_centre_still_records_one() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    story.take(refer(Department.JUSTICE), matter_id, LAWYER)

    case = story.take(revoke(Department.LABOUR), matter_id, STAFF)

    labour, justice = case.legal_matters[0].referrals
    assert labour.link_revoked_at == story.last.at and justice.link_revoked_at is None
    assert story.last.actor == STAFF and story.last.target == matter_id
    # The acknowledgement clocks run on (only the case's own "no step" clock restarts).
    assert {clock.kind.value for clock in story.last.clocks} <= {"case_stale"}
    open_clocks = {c.target for c in case.clocks if c.kind.value == "acknowledgement"}
    assert {f"{matter_id}/labour", f"{matter_id}/justice"} <= open_clocks
    story.refuses(revoke(Department.LABOUR), "link_revoked", matter_id, LAWYER)
    story.refuses(
        AcknowledgeMatter(department=Department.LABOUR), "link_revoked", matter_id, LABOUR_OFFICE
    )
    story.refuses(ResolveMatter(outcome="x"), "link_revoked", matter_id, LABOUR_OFFICE)
    reply = RecordEvidence(
        file_id=uuid.UUID(int=1), content_type="application/pdf", size=10, sha256="0" * 64
    )
    story.refuses(reply, "link_revoked", matter_id, LABOUR_OFFICE)
    story.refuses(reply, "not_an_answer", None, LABOUR_OFFICE)  # only on its matter

    # The other department's link still answers; the lawyer records labour's by hand.
    story.take(
        AcknowledgeMatter(department=Department.JUSTICE),
        matter_id,
        Actor(id="department:justice", role=Role.DEPARTMENT),
    )
    done = story.take(AcknowledgeMatter(department=Department.LABOUR), matter_id, LAWYER)
    assert done.legal_matters[0].status is MatterStatus.ACKNOWLEDGED


def test_a_link_is_revoked_only_after_a_referral_and_also_once_the_matter_is_over() -> None:
    story, matter_id = with_matter()
    story.refuses(revoke(Department.LABOUR), "not_referred", matter_id, LAWYER)
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    story.take(ResolveMatter(outcome="Back pay"), matter_id, LAWYER)

    resolved = story.take(revoke(Department.LABOUR), matter_id, LAWYER)

    assert resolved.legal_matters[0].status is MatterStatus.RESOLVED
    assert resolved.legal_matters[0].referrals[0].link_revoked_at is not None


def progress(
    department: Department, stage: ProgressStage, note: str | None = None
) -> ReportProgress:
    return ReportProgress(department=department, stage=stage, note=note)


def test_a_department_reports_progress_after_acknowledging_and_never_goes_back_a_stage() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    story.take(refer(Department.JUSTICE), matter_id, LAWYER)
    # The acknowledgement meets the clock, with the bureau's reference: progress waits.
    story.refuses(
        progress(Department.LABOUR, ProgressStage.ACCEPTED),
        "not_acknowledged",
        matter_id,
        LABOUR_OFFICE,
        field="department",
    )
    story.take(AcknowledgeMatter(department=Department.LABOUR), matter_id, LABOUR_OFFICE)

    case = story.take(
        progress(Department.LABOUR, ProgressStage.INVESTIGATING, "已调取考勤记录"),
        matter_id,
        LABOUR_OFFICE,
    )

    labour, justice = case.legal_matters[0].referrals
    assert (labour.progress, labour.progress_at) == (ProgressStage.INVESTIGATING, story.last.at)
    assert justice.progress is None
    assert case.legal_matters[0].status is MatterStatus.REFERRED  # justice still to answer
    assert {clock.kind.value for clock in story.last.clocks} >= {"matter_stale"}
    story.refuses(
        progress(Department.LABOUR, ProgressStage.ACCEPTED),
        "progress_backwards",
        matter_id,
        LABOUR_OFFICE,
        field="stage",
    )
    story.take(progress(Department.LABOUR, ProgressStage.INVESTIGATING, "已约谈"), matter_id)
    story.take(progress(Department.LABOUR, ProgressStage.MEDIATION), matter_id, LABOUR_OFFICE)
    # Only its own progress, and not once the matter is over.
    story.refuses(
        progress(Department.JUSTICE, ProgressStage.ACCEPTED),
        "not_an_answer",
        matter_id,
        LABOUR_OFFICE,
    )
    story.take(ResolveMatter(outcome="调解成功，已补发工资"), matter_id, LABOUR_OFFICE)
    story.refuses(
        progress(Department.LABOUR, ProgressStage.MEDIATION), "wrong_status", matter_id, LAWYER
    )


def test_a_revoked_link_reports_no_progress() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    story.take(AcknowledgeMatter(department=Department.LABOUR), matter_id, LABOUR_OFFICE)
    story.take(revoke(Department.LABOUR), matter_id, STAFF)

    story.refuses(
        progress(Department.LABOUR, ProgressStage.ACCEPTED),
        "link_revoked",
        matter_id,
        LABOUR_OFFICE,
    )


def test_a_revoked_link_is_reissued_once_on_an_open_matter_and_the_new_one_answers() -> None:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    referred_at = story.last.seq
    reissue = ReissueDepartmentLink(department=Department.LABOUR)
    story.refuses(reissue, "link_not_revoked", matter_id, LAWYER, field="department")
    story.refuses(
        ReissueDepartmentLink(department=Department.JUSTICE), "not_referred", matter_id, LAWYER
    )
    story.take(revoke(Department.LABOUR), matter_id, STAFF)
    story.refuses(reissue, "not_an_answer", matter_id, LABOUR_OFFICE)

    case = story.take(reissue, matter_id, LAWYER)

    [labour] = case.legal_matters[0].referrals
    assert labour.link_revoked_at is None and labour.letter_seq == story.last.seq > referred_at
    # The clocks run on (the referral's acknowledgement is still owed from its sending).
    assert {clock.kind.value for clock in story.last.clocks} <= {"case_stale"}
    story.refuses(reissue, "link_not_revoked", matter_id, STAFF)
    story.take(AcknowledgeMatter(department=Department.LABOUR), matter_id, LABOUR_OFFICE)
    story.take(revoke(Department.LABOUR), matter_id, STAFF)
    story.take(ResolveMatter(outcome="Back pay"), matter_id, LAWYER)
    story.refuses(reissue, "wrong_status", matter_id, STAFF)  # nothing more to answer
