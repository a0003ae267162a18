"""Breaches across cases, as supervisors see them: exactly the breached clocks, oldest due
first, with how late each is (or was, once met); and one notification per alarm."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from services.cases.model import Need
from services.cases.steps import CaseEvent, DecideEligibility
from services.deadlines.queries import Escalation, list_escalations
from services.legal_aid.model import Channel, Department, RecordInfringement, ReferMatter
from services.notify.outbox import OutboxRecord
from tests.deadlines.support import CaseWorld
from tests.support import LAWYER, as_probe, eventually, intake

INFRINGEMENT = RecordInfringement(infringement="Pension withheld", infringer="Employer Z")


def _late(now: datetime, due: datetime) -> int:
    return int((now - due).total_seconds())


async def test_escalations_list_exactly_the_breached_clocks_oldest_first_with_their_lateness(
    world: CaseWorld,
) -> None:
    centre = f"centre-{uuid.uuid4().hex[:8]}"
    # A: eligibility breached, then met late with a reason.
    slow = await world.open(intake(Need.JOB_REFERRAL, centre=centre))
    # B: an infringement never referred (eligibility decided at once).
    unreferred = await world.open(intake(Need.LEGAL_AID, centre=centre))
    await world.take(unreferred, DecideEligibility(accepted=True))
    await world.take(unreferred, INFRINGEMENT, actor=LAWYER)
    # C: referred at once, never acknowledged by the department.
    unanswered = await world.open(intake(Need.LEGAL_AID, centre=centre))
    await world.take(unanswered, DecideEligibility(accepted=True))
    await world.take(unanswered, INFRINGEMENT, actor=LAWYER)
    refer = ReferMatter(department=Department.LABOUR, channel=Channel.IN_PERSON)
    await world.take(unanswered, refer, "M3", LAWYER)
    eligibility = await world.clock(slow, "eligibility@1")
    referral = await world.clock(unreferred, "legal_referral:M3@3")
    acknowledgement = await world.clock(unanswered, "acknowledgement:M3/labour@4")
    assert referral.due_at < eligibility.due_at < acknowledgement.due_at

    await world.sleep_until(eligibility.due_at + timedelta(hours=1))
    await eventually(
        lambda: world.clock(slow, eligibility.id),
        lambda clock: clock.level == 1,
        what="the eligibility breach",
    )
    reason = "the claimant's papers came late"
    await world.take(slow, DecideEligibility(accepted=True, late_reason=reason))
    met = await world.clock(slow, eligibility.id)
    await world.sleep_until(acknowledgement.due_at + timedelta(hours=1))
    await eventually(
        lambda: world.clock(unanswered, acknowledgement.id),
        lambda clock: clock.level == 1,
        what="the acknowledgement breach",
    )
    now = await world.now()

    def listed(include_met: bool = True) -> list[Escalation]:
        with world.session_factory() as session:
            return list_escalations(
                session=session, now=now, centre=centre, include_met=include_met
            )

    # The referral clock climbed to the top of the ladder (every 12 h) before now.
    levels = {referral.id: 3, eligibility.id: 1, acknowledgement.id: 1}
    escalations = await eventually(
        as_probe(listed),
        lambda rows: {row.clock_id: row.level for row in rows} == levels,
        what="the three escalations in the read model",
    )
    assert [(e.case_id, e.clock_id) for e in escalations] == [
        (unreferred.id.removeprefix("case-"), referral.id),
        (slow.id.removeprefix("case-"), eligibility.id),
        (unanswered.id.removeprefix("case-"), acknowledgement.id),
    ]
    by_clock = {e.clock_id: e for e in escalations}
    assert met.satisfied_at is not None and met.late_by_seconds is not None
    assert by_clock[eligibility.id].satisfied_at == met.satisfied_at
    assert by_clock[eligibility.id].late_by_seconds == _late(met.satisfied_at, eligibility.due_at)
    assert by_clock[eligibility.id].late_by_seconds == met.late_by_seconds
    assert by_clock[eligibility.id].late_reason == reason
    assert by_clock[referral.id].late_by_seconds == _late(now, referral.due_at)
    assert by_clock[acknowledgement.id].late_by_seconds == _late(now, acknowledgement.due_at)
    assert [e.rung for e in escalations] == ["centre_head", "assignee", "assignee"]
    assert [e.clock_id for e in listed(include_met=False)] == [referral.id, acknowledgement.id]

    # Nothing else breached on these cases.
    for handle in (slow, unreferred, unanswered):
        breached = {c.id for c in (await world.clocks(handle)).values() if c.breached}
        assert breached <= set(levels), breached

    # One notification per alarm, none twice.
    histories = {
        h.id.removeprefix("case-"): await world.history(h) for h in (slow, unreferred, unanswered)
    }
    alarms = {
        (case_id, e.seq): e
        for case_id, history in histories.items()
        for e in history
        if e.step.kind == "clock_alarm"
    }
    # Warnings (eligibility 24 h, referral 4 h, acknowledgement 24 h) and every rung.
    assert Counter(e.target for e in alarms.values()) == {
        eligibility.id: 2,
        referral.id: 4,
        acknowledgement.id: 2,
    }

    def outbox() -> list[OutboxRecord]:
        with world.session_factory() as session:
            return list(
                session.scalars(
                    select(OutboxRecord).where(OutboxRecord.case_id.in_(list(histories)))
                )
            )

    rows = await eventually(
        as_probe(outbox), lambda rows: len(rows) >= len(alarms), what="a notification per alarm"
    )
    # A rung's notice goes to each holder of its role at the centre (one row a person).
    # (A later rung may have fired since the alarms were read: it is checked with them.)
    assert set(alarms) <= {(row.case_id, row.seq) for row in rows}
    for row in (row for row in rows if (row.case_id, row.seq) in alarms):
        event: CaseEvent = alarms[(row.case_id, row.seq)]
        clock = event.clocks[0]
        assert row.clock_id == clock.id == event.target
        assert row.kind == ("breached" if clock.level else "due_soon")
    rungs = {(row.kind, row.role) for row in rows if row.clock_id == referral.id}
    assert rungs == {
        ("due_soon", "lawyer"),
        ("breached", "lawyer"),
        ("breached", "supervisor"),
        ("breached", "head"),
    }
    assert LAWYER.id in {row.recipient for row in rows if row.role == "lawyer"}
