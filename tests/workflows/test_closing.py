"""Closing a case stops what runs on its own: follow-up timers and legal matters' child
workflows (the stages' rules are tested in tests/unit/cases/test_rules.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.model import Need
from services.cases.steps import (
    AssignLawyer,
    CloseCase,
)
from services.job_referral.model import (
    FollowUpStatus,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.legal_aid.model import (
    Channel,
    Department,
    MatterStatus,
    RecordInfringement,
    ReferMatter,
)
from tests.support import LAWYER, SUPERVISOR, intake
from tests.workflows.support import Scenario, completed, follow_up_statuses, midnight_utc


async def test_closing_with_open_items_needs_a_reason_then_stops_clocks_and_matters(
    scenario: Scenario,
) -> None:
    run = await scenario.open(intake(Need.JOB_REFERRAL, Need.LEGAL_AID))
    await run.take(
        RecordInfringement(infringement="wages withheld", infringer="Acme Ltd"), actor=LAWYER
    )
    await run.activate()
    await run.take(AssignLawyer(lawyer=LAWYER.id), actor=SUPERVISOR)
    await run.take(
        ReferMatter(department=Department.LABOUR, channel=Channel.PHONE), "M2", actor=LAWYER
    )
    today = (await scenario.now()).date()
    await run.take(ReferToJob(employer="Acme", position="driver", referred_on=today))
    referral_id = (await run.case()).referrals[0].id
    await run.take(RecordOffer(monthly_wage=Decimal("4200")), referral_id)
    await run.take(RecordPlacement(starts_on=today, monthly_wage=Decimal("4200")), referral_id)
    await run.take(
        ReferToJob(employer="Globex", position="clerk", referred_on=today)
    )  # a second, still open referral

    details = await run.reject(CloseCase(outcome=CaseOutcome.PLACED), "reason_required")
    assert details["field"] == "reason"

    closed = await run.take(CloseCase(outcome=CaseOutcome.PLACED, reason="claimant moved"))

    assert closed.stage is Stage.CLOSED
    assert closed.outcome is CaseOutcome.PLACED
    assert closed.close_reason == "claimant moved"
    assert follow_up_statuses(closed, referral_id) == {
        30: "cancelled",
        90: "cancelled",
        180: "cancelled",
    }
    (matter,) = closed.legal_matters
    assert matter.status is MatterStatus.CLOSED_WITHOUT_REMEDY
    assert matter.closure_reason == "case closed: claimant moved"
    assert await run.tasks() == []
    snapshot = await run.matter_snapshot(
        "M2",
        lambda s: s.matter.status is MatterStatus.CLOSED_WITHOUT_REMEDY,
        what="matter closed with the case",
    )
    assert snapshot.seq == closed.version
    await completed(run.matter("M2"))

    # The cancelled follow-ups never fall due.
    history_length = len(await run.history())
    await scenario.sleep_until(midnight_utc(today + timedelta(days=181)))
    after = await run.case()
    assert after == closed
    assert len(await run.history()) == history_length
    assert all(f.status is FollowUpStatus.CANCELLED for f in after.referrals[0].follow_ups)
