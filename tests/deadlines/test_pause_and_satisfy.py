"""Pausing moves a clock's due time by exactly the paused span and keeps it quiet; a clock
met in time never sounds; a clock met after its breach needs, and records, a late reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from services.cases.steps import DecideEligibility, PauseClock, ResumeClock
from services.deadlines.queries import list_escalations
from tests.deadlines.support import (
    CaseWorld,
    Handle,
    alarms_of,
    assert_breaches_at_due,
    breach_alarms,
    rejection_code,
)
from tests.support import eventually

CLOCK = "eligibility@1"
WAITING = "waiting on the claimant's discharge papers"


async def test_a_paused_clock_stays_quiet_and_resumes_with_its_due_time_moved_by_the_pause(
    world: CaseWorld,
) -> None:
    handle = await world.open()
    due = (await world.clock(handle, CLOCK)).due_at
    await world.sleep_until((await world.now()) + timedelta(hours=1))
    await world.take(handle, PauseClock(reason=WAITING), CLOCK)
    paused = await world.clock(handle, CLOCK)
    assert paused.paused_at is not None and paused.pause_reason == WAITING

    # Past the warning and the due time, and two days more, all while paused.
    await world.sleep_until(due + timedelta(days=2))
    assert alarms_of(await world.history(handle), CLOCK) == []
    still = await world.clock(handle, CLOCK)
    assert (still.level, still.warned, still.due_at) == (0, False, due)
    assert still.paused_at == paused.paused_at

    await world.take(handle, ResumeClock(), CLOCK)
    history = await world.history(handle)
    (pause_event,) = [e for e in history if e.step.kind == "clock_paused"]
    (resume_event,) = [e for e in history if e.step.kind == "clock_resumed"]
    resumed = await world.clock(handle, CLOCK)
    assert resumed.paused_at is None and resumed.pause_reason is None
    assert resumed.due_at == due + (resume_event.at - pause_event.at)
    assert resumed.due_at - due > timedelta(days=2)

    await assert_breaches_at_due(world, handle, CLOCK, warn_hours=24)


async def test_a_clock_can_be_paused_only_while_running_and_resumed_only_while_paused(
    world: CaseWorld,
) -> None:
    handle = await world.open()
    with pytest.raises(WorkflowUpdateFailedError) as unknown:
        await world.take(handle, PauseClock(reason=WAITING), "eligibility@99")
    assert rejection_code(unknown.value) == "unknown_clock"
    with pytest.raises(WorkflowUpdateFailedError) as not_paused:
        await world.take(handle, ResumeClock(), CLOCK)
    assert rejection_code(not_paused.value) == "wrong_status"
    await world.take(handle, PauseClock(reason=WAITING), CLOCK)
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await world.take(handle, PauseClock(reason=WAITING), CLOCK)
    assert rejection_code(twice.value) == "wrong_status"


async def test_a_clock_met_in_time_never_sounds(world: CaseWorld) -> None:
    handle = await world.open()
    due = (await world.clock(handle, CLOCK)).due_at
    await world.sleep_until((await world.now()) + timedelta(hours=1))
    await world.take(handle, DecideEligibility(accepted=True))

    await world.sleep_until(due + timedelta(days=10))

    assert alarms_of(await world.history(handle), CLOCK) == []
    met = await world.clock(handle, CLOCK)
    assert met.satisfied_at is not None and met.satisfied_at < due
    assert (met.level, met.late_by_seconds, met.late_reason) == (0, None, None)
    with world.session_factory() as session:
        assert list_escalations(session=session, now=await world.now()) == []


async def test_meeting_a_breached_clock_needs_a_late_reason_and_records_how_late_it_was(
    world: CaseWorld,
) -> None:
    handle = await world.open()
    due = (await world.clock(handle, CLOCK)).due_at
    await world.sleep_until(due + timedelta(hours=1))
    await _eventually_breached(world, handle)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await world.take(handle, DecideEligibility(accepted=True))
    assert rejection_code(refused.value) == "late_reason_required"
    history = await world.history(handle)
    assert [e for e in history if e.step.kind == "eligibility_decided"] == []

    reason = "the claimant was in hospital"
    await world.take(handle, DecideEligibility(accepted=True, late_reason=reason))
    history = await world.history(handle)
    (decided,) = [e for e in history if e.step.kind == "eligibility_decided"]
    (met,) = [clock for clock in decided.clocks if clock.id == CLOCK]
    assert met.satisfied_at == decided.at
    assert met.late_by_seconds == int((decided.at - due).total_seconds())
    assert 3600 <= met.late_by_seconds < 3602
    assert (met.late_reason, met.level, met.next_escalation_at) == (reason, 1, None)
    with world.session_factory() as session:
        (row,) = list_escalations(session=session, now=await world.now())
    assert (row.clock_id, row.satisfied_at, row.late_by_seconds, row.late_reason) == (
        CLOCK,
        decided.at,
        met.late_by_seconds,
        reason,
    )

    # Met: it climbs no further up the ladder.
    await world.sleep_until(due + timedelta(days=10))
    assert len(breach_alarms(await world.history(handle), CLOCK)) == 1


async def _eventually_breached(world: CaseWorld, handle: Handle) -> None:
    await eventually(
        lambda: world.history(handle),
        lambda h: len(breach_alarms(h, CLOCK)) == 1,
        what=f"the breach of {CLOCK}",
    )
