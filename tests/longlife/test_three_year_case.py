"""One case that lives three years and takes thousands of steps, on the time-skipping server.

What it proves: the case workflow continues-as-new as its history grows, no run's history
comes near the server's 10k-event limit, and across the runs no accepted step is lost or
recorded twice, neither in the workflow's own history nor in the read model's timeline.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.cases.audit import case_history
from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.model import CaseFile, Claimant, ClaimantCategory, Need
from services.cases.records import CaseEventRecord
from services.cases.steps import (
    AssignLawyer,
    CloseCase,
    DecideEligibility,
    OpenCase,
    StartAssessment,
    Step,
)
from services.fee_relief.model import Bureau, GrantPetition, RefusePetition, SubmitPetition
from services.job_referral.model import (
    FollowUpStatus,
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    ReferralStatus,
    ReferToJob,
)
from services.kernel import plausible
from services.kernel.actors import SYSTEM_ACTOR, Actor, Role
from services.legal_aid.model import (
    AcknowledgeMatter,
    Channel,
    Department,
    MatterStatus,
    RecordInfringement,
    ReferMatter,
    ResolveMatter,
)
from services.startup_aid.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
    StartupStatus,
)
from services.training.model import CompleteTraining, DropTraining, EnrolTraining
from workflows.case import CaseWorkflow
from workflows.case_contract import CaseStart, StepRequest, StepResult
from workflows.ids import case_workflow_id

pytestmark = pytest.mark.long

STAFF = Actor(id="staff-longlife", role=Role.STAFF)
LAWYER = Actor(id="lawyer-longlife", role=Role.LAWYER)
SUPERVISOR = Actor(id="supervisor-longlife", role=Role.SUPERVISOR)

MONTHS = 38  # 38 x 30 days, then half a year for the last follow-ups: > 3 years
MONTH = timedelta(days=30)
TAIL = timedelta(days=181)
REFERRALS_PER_MONTH = 10
PLACEMENTS_PER_MONTH = 3
LEFT_EVERY = 5  # every 5th placed person has left the job at the 30-day follow-up
MIN_STEPS = 2_000
# A real server admits at most 10 in-flight updates per workflow execution (the time-skipping
# test server has no such limit): never send more at once, as the API would not either.
MAX_IN_FLIGHT = 10
MAX_EVENTS_PER_RUN = 10_000
# Follow-ups and acknowledgements are recorded at the next monthly round, after their
# clocks ran out: the case then asks why.
LATE = "Recorded at the monthly round (test data)"
# A step the case does not answer within this long has stalled it: fail, do not hang.
STEP_TIMEOUT = 45


@pytest.fixture(autouse=True)
def _dates_of_a_simulated_future(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The case lives three simulated years ahead of today, so its steps carry dates past
    the window a client's request is held to (services/kernel/plausible.py, shared with
    the workflows' sandbox): the window reaches as far as the simulation does."""
    monkeypatch.setattr(plausible, "EVENT_AHEAD", timedelta(days=5 * 366))
    yield


class Stalled(AssertionError):
    """The case stopped answering steps."""


@dataclass
class Ledger:
    """What the test sent and what the case must therefore hold."""

    sent: int = 0
    referrals: int = 0
    placements: int = 0
    left: int = 0
    enrolments: int = 0
    applications: int = 0
    petitions: int = 0
    matters: int = 0
    lawyers: list[str] = field(default_factory=list)

    @property
    def follow_ups_due(self) -> int:
        """System events: three per placement, one where the person left at day 30."""
        return 3 * (self.placements - self.left) + self.left


@dataclass
class Items:
    """Items the next month carries on with."""

    enrolment: str | None = None
    matter: str | None = None
    acknowledged: list[str] = field(default_factory=list)


class Driver:
    """Sends steps the way the API does: by workflow id, so each lands on the current run."""

    def __init__(self, handle: WorkflowHandle[CaseWorkflow, None], ledger: Ledger) -> None:
        self.handle = handle
        self.ledger = ledger
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def step(self, step: Step, target: str | None = None, actor: Actor = STAFF) -> StepResult:
        request = StepRequest(step=step, actor=actor, target=target)
        async with self._in_flight:
            try:
                result = await asyncio.wait_for(
                    self.handle.execute_update(CaseWorkflow.apply_step, request), STEP_TIMEOUT
                )
            except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
                raise Stalled(
                    f"no answer to {step.kind} in {STEP_TIMEOUT}s after {self.ledger.sent} steps"
                ) from None
        self.ledger.sent += 1
        return result

    async def all(self, *sends: Awaitable[StepResult]) -> list[StepResult]:
        return list(await asyncio.gather(*sends))

    async def case(self) -> CaseFile:
        case = await self.handle.query(CaseWorkflow.case)
        assert case is not None
        return case


async def _today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).date()


async def _record_due_follow_ups(driver: Driver) -> None:
    """Record every follow-up that fell due: referrals concurrently, each one's in order."""
    case = await driver.case()

    async def record(referral_id: str, days: list[int]) -> None:
        for day in days:
            left = day == 30 and int(referral_id[1:]) % LEFT_EVERY == 0
            step = RecordFollowUp(
                day=day,  # type: ignore[arg-type]
                still_employed=not left,
                reason="Moved to another city (test data)" if left else None,
                late_reason=LATE,
            )
            await driver.step(step, target=referral_id)
            driver.ledger.left += left

    await asyncio.gather(
        *(
            record(r.id, [f.day for f in r.follow_ups if f.status is FollowUpStatus.DUE])
            for r in case.referrals
            if any(f.status is FollowUpStatus.DUE for f in r.follow_ups)
        )
    )


async def _live_a_month(driver: Driver, env: WorkflowEnvironment, month: int, items: Items) -> None:
    """About sixty steps, in four rounds of independent steps sent concurrently."""
    ledger = driver.ledger
    today = await _today(env)

    # Round 1: new referrals and new items on every other track, due follow-ups.
    round_one = [
        driver.step(
            ReferToJob(
                employer=f"Test Employer {month}-{i}",
                position="Warehouse operative",
                referred_on=today,
            )
        )
        for i in range(REFERRALS_PER_MONTH)
    ]
    round_one.append(
        driver.step(
            EnrolTraining(
                course=f"Forklift course {month}",
                provider="Test Training Provider",
                starts_on=today,
                ends_on=today + timedelta(days=25),
            )
        )
    )
    round_one.append(
        driver.step(
            ApplyStartupAid(plan=f"Test repair shop {month}", amount_requested=Decimal(5000))
        )
    )
    round_one.append(
        driver.step(
            SubmitPetition(
                bureau=Bureau.TAX, request=f"Fee relief for month {month}", submitted_on=today
            )
        )
    )
    if items.enrolment:
        finish: Step = (
            DropTraining(reason="Could not attend (test data)")
            if month % 4 == 0
            else CompleteTraining(certificate=f"CERT-{month}")
        )
        round_one.append(driver.step(finish, target=items.enrolment))
    matter = items.matter
    if month % 2 == 0:
        round_one.append(
            driver.step(
                RecordInfringement(
                    infringement=f"Test employer withheld pay (month {month})",
                    infringer="Test Employer Ltd",
                    occurred_on=today - timedelta(days=3),
                ),
                actor=LAWYER,
            )
        )
    else:
        assert matter
        round_one.append(
            driver.step(
                AcknowledgeMatter(department=Department.LABOUR, late_reason=LATE), matter, LAWYER
            )
        )
    await _record_due_follow_ups(driver)
    results = await driver.all(*round_one)
    referrals = [f"R{r.seq}" for r in results[:REFERRALS_PER_MONTH]]
    ledger.referrals += len(referrals)
    enrolment = f"T{results[REFERRALS_PER_MONTH].seq}"
    application = f"S{results[REFERRALS_PER_MONTH + 1].seq}"
    petition = f"P{results[REFERRALS_PER_MONTH + 2].seq}"
    ledger.enrolments += 1
    ledger.applications += 1
    ledger.petitions += 1
    if month % 2 == 0:
        matter = f"M{results[-1].seq}"
        ledger.matters += 1
    items.enrolment = enrolment

    # Round 2: interviews, decisions on aid and relief, the matter's next step.
    refused = month % 4 == 3
    round_two = [driver.step(RecordInterview(interview_on=today), r) for r in referrals]
    round_two.append(
        driver.step(
            RefuseStartupAid(reason="Plan not viable (test data)")
            if refused
            else ApproveStartupAid(amount_approved=Decimal(4000)),
            application,
            SUPERVISOR,
        )
    )
    round_two.append(
        driver.step(
            RefusePetition(reason="Not within scope (test data)")
            if month % 3 == 0
            else GrantPetition(relief="Registration fees waived", value=Decimal(300)),
            petition,
        )
    )
    if month % 2 == 0:
        round_two.append(
            driver.step(
                ReferMatter(department=Department.LABOUR, channel=Channel.LETTER), matter, LAWYER
            )
        )
    else:
        round_two.append(
            driver.step(
                AcknowledgeMatter(department=Department.JUSTICE, late_reason=LATE), matter, LAWYER
            )
        )
    await driver.all(*round_two)

    # Round 3: offers, disbursement, the matter's next step.
    round_three = [driver.step(RecordOffer(monthly_wage=Decimal(4200)), r) for r in referrals]
    if not refused:
        round_three.append(
            driver.step(DisburseStartupAid(amount=Decimal(4000), disbursed_on=today), application)
        )
    if month % 2 == 0:
        round_three.append(
            driver.step(
                ReferMatter(department=Department.JUSTICE, channel=Channel.ONLINE), matter, LAWYER
            )
        )
    await driver.all(*round_three)
    items.matter = matter
    if month % 2 == 1:
        assert matter
        items.acknowledged.append(matter)

    # Round 4: some placed (their follow-up clocks start today), the rest not.
    placed, not_placed = referrals[:PLACEMENTS_PER_MONTH], referrals[PLACEMENTS_PER_MONTH:]
    await driver.all(
        *(
            driver.step(RecordPlacement(starts_on=today, monthly_wage=Decimal(4200)), r)
            for r in placed
        ),
        *(driver.step(RecordNotPlaced(reason="Chose another offer"), r) for r in not_placed),
    )
    ledger.placements += len(placed)

    # Once a year the case changes hands: every open matter is told of the new lawyer.
    if month % 12 == 6:
        lawyer = f"lawyer-{month}"
        await driver.step(AssignLawyer(lawyer=lawyer), actor=SUPERVISOR)
        ledger.lawyers.append(lawyer)


async def _resolve_matters(driver: Driver, matters: list[str]) -> None:
    """Resolve the acknowledged matters, after the last sleep of the test.

    Each matter's child workflow then completes. Its parent is the case run that started
    it, long since continued-as-new; the time-skipping test server leaks a time-skipping
    lock when a child reports to a closed parent run (temporalio/sdk-java#1540, #2392), so
    any later ``workflow_env.sleep`` would hang. A real server just drops that report.
    """
    await driver.all(
        *(
            driver.step(ResolveMatter(outcome="Back pay recovered (test data)"), m, LAWYER)
            for m in matters
        )
    )


@dataclass(frozen=True)
class Run:
    events: int
    size: int  # bytes of the run's history
    carried: int  # bytes of the input it started with


async def _runs(client: Client, workflow_id: str, first_run_id: str) -> list[Run]:
    """Every run of the workflow, following the continue-as-new chain from the first."""
    runs: list[Run] = []
    run_id: str | None = first_run_id
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes
        runs.append(
            Run(
                events=len(history.events),
                size=sum(event.ByteSize() for event in history.events),
                carried=started.input.ByteSize(),
            )
        )
        run_id = None
        last = history.events[-1]
        if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return runs


async def test_a_case_lives_three_years_and_thousands_of_steps(
    workflow_env: WorkflowEnvironment,
    temporal_client: Client,
    case_worker: Worker,
    sqlite_session_factory: sessionmaker[Session],
) -> None:
    began = time.perf_counter()
    case_id = str(uuid.uuid4())
    workflow_id = case_workflow_id(case_id)
    started = await temporal_client.start_workflow(
        CaseWorkflow.run,
        CaseStart(case_id=case_id),
        id=workflow_id,
        task_queue=case_worker.task_queue,
    )
    assert started.first_execution_run_id
    ledger = Ledger()
    driver = Driver(temporal_client.get_workflow_handle_for(CaseWorkflow.run, workflow_id), ledger)
    opened_on = await workflow_env.get_current_time()

    needs = [Need.JOB_REFERRAL, Need.TRAINING, Need.STARTUP_AID, Need.FEE_RELIEF, Need.LEGAL_AID]
    await driver.step(
        OpenCase(
            claimant=Claimant(name="Test Claimant Longlife", category=ClaimantCategory.VETERAN),
            needs=needs,
            centre="test-centre",
        )
    )
    await driver.step(StartAssessment())
    await driver.step(DecideEligibility(accepted=True))
    await driver.step(AssignLawyer(lawyer="lawyer-0"), actor=SUPERVISOR)
    ledger.lawyers.append("lawyer-0")

    items = Items()
    for month in range(MONTHS):
        await _live_a_month(driver, workflow_env, month, items)
        await workflow_env.sleep(MONTH)
    # Half a year more: the last placements' 180-day follow-ups fall due and are recorded.
    await _record_due_follow_ups(driver)
    await workflow_env.sleep(TAIL)
    await _record_due_follow_ups(driver)
    # Matters are resolved last: see _resolve_matters.
    await _resolve_matters(driver, items.acknowledged)
    final = await driver.step(
        CloseCase(outcome=CaseOutcome.PLACED, reason="Three years of help (test data)")
    )
    lived = await workflow_env.get_current_time() - opened_on
    elapsed = time.perf_counter() - began

    # (1) + (2): it continued-as-new, and no run came near the 10k-event limit.
    runs = await _runs(temporal_client, workflow_id, started.first_execution_run_id)
    counts = [run.events for run in runs]
    print(
        f"\nlonglife: {ledger.sent} steps sent + {ledger.follow_ups_due} follow-ups due "
        f"over {lived.days} days of workflow time in {elapsed:.1f}s; {len(runs)} runs, "
        f"events per run {min(counts)}..{max(counts)}, "
        f"history per run up to {max(run.size for run in runs) / 1e6:.2f} MB, "
        f"last run started with {runs[-1].carried / 1e6:.2f} MB of carried state\n"
        f"runs (events, MB): {[(run.events, round(run.size / 1e6, 1)) for run in runs]}"
    )
    assert ledger.sent >= MIN_STEPS
    assert lived >= timedelta(days=3 * 365 + 1)
    assert len(runs) >= 2, f"never continued-as-new: {counts}"
    assert max(counts) < MAX_EVENTS_PER_RUN, counts

    # (3): the case's history (its timeline) holds every accepted step exactly once, in
    # order. N = the steps sent + what the case recorded on its own (follow-ups falling
    # due, deadline alarms).
    with sqlite_session_factory() as session:
        events = case_history(session=session, case_id=case_id)
    system = [e for e in events if e.actor == SYSTEM_ACTOR]
    assert sum(e.type == "follow_up_due" for e in system) == ledger.follow_ups_due
    assert len(events) - len(system) == ledger.sent
    expected = ledger.sent + len(system)
    assert [e.seq for e in events] == list(range(1, expected + 1))
    assert all(e.case_id == case_id for e in events)
    assert final.seq == expected

    case = await driver.case()
    assert final.version == expected
    assert case.version == expected
    assert case.stage is Stage.CLOSED
    assert case.lawyer == ledger.lawyers[-1]
    assert len(case.referrals) == ledger.referrals
    assert sum(r.status is ReferralStatus.PLACED for r in case.referrals) == ledger.placements
    assert all(
        r.status in (ReferralStatus.PLACED, ReferralStatus.NOT_PLACED) for r in case.referrals
    )
    follow_ups = [f for r in case.referrals for f in r.follow_ups]
    assert len(follow_ups) == 3 * ledger.placements
    assert sum(f.status is FollowUpStatus.LEFT for f in follow_ups) == ledger.left
    assert sum(f.status is FollowUpStatus.CANCELLED for f in follow_ups) == 2 * ledger.left
    assert not [f for f in follow_ups if f.status in (FollowUpStatus.SCHEDULED, FollowUpStatus.DUE)]
    assert len(case.training) == ledger.enrolments
    assert len(case.startup_aid) == ledger.applications
    assert {a.status for a in case.startup_aid} >= {StartupStatus.DISBURSED, StartupStatus.REFUSED}
    assert len(case.petitions) == ledger.petitions
    assert len(case.legal_matters) == ledger.matters
    assert all(m.status is MatterStatus.RESOLVED for m in case.legal_matters)

    # (4): the read model's timeline has exactly those events, contiguous from 1.
    with sqlite_session_factory() as session:
        seqs = list(
            session.scalars(
                select(CaseEventRecord.seq)
                .where(CaseEventRecord.case_id == case_id)
                .order_by(CaseEventRecord.seq)
            )
        )
    assert seqs == list(range(1, expected + 1))
