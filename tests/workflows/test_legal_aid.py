"""Legal aid: infringements referred to the labour and justice departments until resolved,
each followed by its own child LegalMatter workflow (the matters' rules are tested in
tests/unit/legal_aid)."""

from __future__ import annotations

from services.cases.model import Need
from services.cases.progress import TaskKind
from services.cases.steps import AssignLawyer
from services.legal_aid.model import (
    AcknowledgeMatter,
    Department,
    MatterStatus,
    ResolveMatter,
)
from tests.support import LAWYER, STAFF, SUPERVISOR, intake
from tests.unit.legal_aid.test_rules import INFRINGEMENT, refer
from tests.workflows.support import CaseRun, Scenario, completed
from workflows import search_attributes
from workflows.case_contract import MatterSnapshot
from workflows.ids import legal_matter_workflow_id


async def with_matter(scenario: Scenario, lawyer: str | None = LAWYER.id) -> tuple[CaseRun, str]:
    """A legal-aid case still at intake with one recorded matter (and a lawyer)."""
    run = await scenario.open(intake(Need.LEGAL_AID))
    case = await run.take(INFRINGEMENT, actor=STAFF)
    if lawyer:
        await run.take(AssignLawyer(lawyer=lawyer), actor=SUPERVISOR)
    return run, case.legal_matters[0].id


async def test_matter_is_referred_acknowledged_by_both_departments_and_resolved(
    scenario: Scenario,
) -> None:
    run, matter_id = await with_matter(scenario)
    first = await run.matter_snapshot(
        matter_id, lambda s: s.lawyer == LAWYER.id, what="child sees the lawyer"
    )
    assert first.matter.status is MatterStatus.RECORDED
    assert first.case_id == run.id
    assert run.matter(matter_id).id == legal_matter_workflow_id(run.id, matter_id)

    await run.take(refer(Department.LABOUR), matter_id, LAWYER)
    referred = await run.take(refer(Department.JUSTICE), matter_id, LAWYER)
    (matter,) = referred.legal_matters
    assert matter.status is MatterStatus.REFERRED
    assert [r.department for r in matter.referrals] == [Department.LABOUR, Department.JUSTICE]
    assert matter.referrals[1].sent_at == referred.updated_at
    assert all(r.acknowledged_at is None for r in matter.referrals)
    chase = [t for t in await run.tasks() if t.kind is TaskKind.CHASE_ACKNOWLEDGEMENT]
    assert sorted(t.target or "" for t in chase) == [
        f"{matter_id}/justice",
        f"{matter_id}/labour",
    ]
    assert all(t.assignee == LAWYER.id for t in chase)

    one = await run.take(
        AcknowledgeMatter(department=Department.LABOUR, reference="LB-7"), matter_id, LAWYER
    )
    assert one.legal_matters[0].status is MatterStatus.REFERRED
    labour = one.legal_matters[0].referrals[0]
    assert labour.acknowledged_at == one.updated_at
    assert labour.acknowledgement_reference == "LB-7"
    half = await run.matter_snapshot(
        matter_id,
        lambda s: s.seq == one.version,
        what="child sees the first acknowledgement",
    )
    assert half.matter == one.legal_matters[0]

    both = await run.take(AcknowledgeMatter(department=Department.JUSTICE), matter_id, LAWYER)
    assert both.legal_matters[0].status is MatterStatus.ACKNOWLEDGED
    assert [t for t in await run.tasks() if t.kind is TaskKind.CHASE_ACKNOWLEDGEMENT] == []
    acknowledged = await run.matter_snapshot(
        matter_id,
        lambda s: s.matter.status is MatterStatus.ACKNOWLEDGED,
        what="child sees both acknowledgements",
    )
    assert acknowledged.matter == both.legal_matters[0]

    resolved = await run.take(ResolveMatter(outcome="Wages paid in full"), matter_id, LAWYER)
    (matter,) = resolved.legal_matters
    assert matter.status is MatterStatus.RESOLVED
    assert matter.outcome == "Wages paid in full"

    child = run.matter(matter_id)
    await completed(child)
    result = await child.result()
    assert isinstance(result, MatterSnapshot)
    assert result.matter == matter
    assert result.seq == resolved.version
    assert result.lawyer == LAWYER.id


async def test_the_child_follows_each_matter_of_the_case(scenario: Scenario) -> None:
    run, first = await with_matter(scenario)
    other = INFRINGEMENT.model_copy(update={"infringer": "Beta"})
    second = (await run.take(other)).legal_matters[1].id
    assert first != second

    await run.take(refer(Department.JUSTICE), second, LAWYER)

    one = await run.matter_snapshot(first, lambda s: s.lawyer == LAWYER.id, what="first child")
    two = await run.matter_snapshot(
        second, lambda s: s.matter.status is MatterStatus.REFERRED, what="second child"
    )
    assert one.matter.status is MatterStatus.RECORDED
    assert two.matter.infringer == "Beta"


async def test_reassigning_the_lawyer_updates_the_childs_snapshot(scenario: Scenario) -> None:
    run, matter_id = await with_matter(scenario, lawyer=None)
    first = await run.matter_snapshot(matter_id, lambda s: True, what="child started")
    assert first.lawyer is None

    await run.take(AssignLawyer(lawyer="lawyer-1"), actor=SUPERVISOR)
    await run.matter_snapshot(matter_id, lambda s: s.lawyer == "lawyer-1", what="first lawyer")
    reassigned = await run.take(AssignLawyer(lawyer="lawyer-2"), actor=SUPERVISOR)
    assert reassigned.lawyer == "lawyer-2"

    snapshot = await run.matter_snapshot(
        matter_id, lambda s: s.lawyer == "lawyer-2", what="child sees the new lawyer"
    )
    assert snapshot.seq == reassigned.version
    assert snapshot.matter == reassigned.legal_matters[0]
    description = await run.matter(matter_id).describe()
    assert description.typed_search_attributes.get(search_attributes.CASE_LAWYER) == "lawyer-2"
    await run.reject(AssignLawyer(lawyer="lawyer-2"), "already_assigned", actor=SUPERVISOR)
