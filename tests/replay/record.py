"""Record the histories that tests/replay/test_replay.py replays.

    .venv/bin/python -m tests.replay.record [--set NAME] [--scenario SCENARIO ...]

Runs each scenario below on a fresh time-skipping test server with the production worker
(SQLite read model in a temporary directory), then writes every run's history of the case
workflow and of its legal-matter child workflows to tests/replay/histories/NAME/ (default
``current``), replacing what that set held; with ``--scenario``, only those scenarios'
histories are (re)recorded and the set's others kept, e.g. for a new kind of help.
Re-record only on purpose: see docs/workflow-versioning.md. All data are made up: no real
names, no national ids.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHistory,
    WorkflowUpdateFailedError,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from casework.binaries import find_binary
from casework.temporal import build_worker, register_search_attributes
from services.cases.corrections import ClaimantDetails, CorrectClaimant
from services.cases.lifecycle import CaseOutcome
from services.cases.model import CaseFile, Claimant, ClaimantCategory, Need
from services.cases.notes import AddNote, ContactKind
from services.cases.steps import (
    AddNeed,
    AssignLawyer,
    CloseCase,
    DecideEligibility,
    OpenCase,
    ReassignCase,
    ReopenCase,
    StartAssessment,
    Step,
    WithdrawCase,
)
from services.crypto.cipher import KeyRing
from services.crypto.vault import Vault, install_vault
from services.db import make_engine, make_session_factory
from services.fee_relief.model import Bureau, GrantPetition, RefusePetition, SubmitPetition
from services.hardship_aid.model import (
    Difficulty,
    GrantHardshipAid,
    PayHardshipAid,
    RefuseHardshipAid,
    RequestHardshipAid,
)
from services.job_referral.model import (
    FollowUpStatus,
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.kernel.actors import Actor, Role
from services.legal_aid.model import (
    AcknowledgeMatter,
    Channel,
    Department,
    RecordInfringement,
    ReferMatter,
    ResolveMatter,
)
from services.migrate import upgrade_database
from services.startup_aid.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
)
from services.training.model import CompleteTraining, DropTraining, EnrolTraining
from tests.replay import recorded
from tests.support import current
from workflows.case import CaseWorkflow
from workflows.case_contract import (
    CASE_WORKFLOW,
    LEGAL_MATTER_WORKFLOW,
    CaseStart,
    StepRequest,
    StepResult,
)
from workflows.ids import case_workflow_id, legal_matter_workflow_id, reassignment_workflow_id
from workflows.reassignment import ReassignmentWorkflow
from workflows.reassignment_contract import REASSIGNMENT_WORKFLOW, ReassignmentStart

TASK_QUEUE = "replay-recorder"
STAFF = Actor(id="staff-replay", role=Role.STAFF)
SUPERVISOR = Actor(id="supervisor-replay", role=Role.SUPERVISOR)
LAWYER = Actor(id="lawyer-a", role=Role.LAWYER)
# Case ids are derived from the scenario's name: re-recording keeps workflow ids stable.
IDS = uuid.UUID("6f1c3a52-0000-4000-8000-000000000000")
CAN_STEP_LIMIT = 1_000


def _claimant(scenario: str) -> Claimant:
    return Claimant(name=f"Test Claimant {scenario}", category=ClaimantCategory.VETERAN)


class Case:
    """One case of a scenario, driven through its workflow the way the API does."""

    def __init__(self, client: Client, scenario: str) -> None:
        self.client = client
        self.scenario = scenario
        self.case_id = str(uuid.uuid5(IDS, scenario))
        self.workflow_id = case_workflow_id(self.case_id)
        self.handle = client.get_workflow_handle_for(CaseWorkflow.run, self.workflow_id)
        self.first_run_id: str | None = None

    async def open(self, *needs: Need) -> CaseFile:
        started = await self.client.start_workflow(
            CaseWorkflow.run,
            CaseStart(case_id=self.case_id),
            id=self.workflow_id,
            task_queue=TASK_QUEUE,
        )
        self.first_run_id = started.first_execution_run_id
        step = OpenCase(claimant=_claimant(self.scenario), needs=list(needs), centre="test-centre")
        await self.step(step)
        return await current(self.handle)

    async def step(self, step: Step, target: str | None = None, actor: Actor = STAFF) -> StepResult:
        return await self.handle.execute_update(
            CaseWorkflow.apply_step, StepRequest(step=step, actor=actor, target=target)
        )

    async def rejected(self, step: Step, target: str | None = None) -> None:
        """A step the case refuses: it must leave nothing in the history."""
        try:
            await self.step(step, target)
        except WorkflowUpdateFailedError:
            return
        raise AssertionError(f"{step.kind} was accepted")

    async def case(self) -> CaseFile:
        case = await self.handle.query(CaseWorkflow.case)
        assert case is not None
        return case

    async def until(self, done: Callable[[CaseFile], bool]) -> CaseFile:
        for _ in range(100):
            case = await self.case()
            if done(case):
                return case
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.scenario}: the case never reached the state awaited")


async def _settled(client: Client, workflow_id: str, run_id: str | None = None) -> WorkflowHistory:
    """The run's history once nothing is in flight (no workflow task, no activity)."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    previous = -1
    for _ in range(100):
        history = await handle.fetch_history()
        last = history.events[-1].event_type
        busy = last in (
            EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
            EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
            EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        )
        if not busy and len(history.events) == previous:
            return history
        previous = len(history.events)
        await asyncio.sleep(0.2)
    raise AssertionError(f"{workflow_id}: history never settled")


@dataclass(frozen=True)
class Take:
    """One recorded history, before it is written into a set."""

    history: WorkflowHistory
    name: str  # <scenario>.<what>, e.g. legal.matter-M3
    covers: str
    workflow_type: str = CASE_WORKFLOW


Entries = list[Take]


async def training(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "training")
    await case.open(Need.TRAINING)
    await case.step(StartAssessment())
    await case.step(DecideEligibility(accepted=True))
    today = (await env.get_current_time()).date()
    first = await case.step(
        EnrolTraining(
            course="Test Welding Course",
            provider="Test Training Provider",
            starts_on=today,
            ends_on=today + timedelta(days=30),
        )
    )
    await case.step(CompleteTraining(certificate="TEST-CERT-1"), f"T{first.seq}")
    second = await case.step(
        EnrolTraining(
            course="Test Forklift Course",
            provider="Test Training Provider",
            starts_on=today,
            ends_on=today + timedelta(days=10),
        )
    )
    await case.step(DropTraining(reason="Schedule clash (test data)"), f"T{second.seq}")
    await case.step(CloseCase(outcome=CaseOutcome.TRAINED))
    await case.rejected(CloseCase(reason="again"))
    history = await _settled(env.client, case.workflow_id)
    return [Take(history, "training.case", "training track: enrol, complete, drop; close")]


async def placement(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "placement")
    await case.open(Need.JOB_REFERRAL)
    await case.step(DecideEligibility(accepted=True))
    today = (await env.get_current_time()).date()
    lost = await case.step(
        ReferToJob(employer="Test Employer One", position="Driver", referred_on=today)
    )
    await case.step(RecordNotPlaced(reason="Position filled (test data)"), f"R{lost.seq}")
    placed = await case.step(
        ReferToJob(employer="Test Employer Two", position="Clerk", referred_on=today)
    )
    referral = f"R{placed.seq}"
    await case.step(RecordInterview(interview_on=today + timedelta(days=2)), referral)
    await case.step(RecordOffer(monthly_wage=Decimal(4500)), referral)
    await case.step(RecordPlacement(starts_on=today, monthly_wage=Decimal(4500)), referral)
    # The follow-up clocks run: 30 days on, the first falls due (a timer fires).
    await env.sleep(timedelta(days=31))
    await case.until(lambda c: _follow_up(c, referral, 30) is FollowUpStatus.DUE)
    await case.step(RecordFollowUp(day=30, still_employed=True), referral)
    await env.sleep(timedelta(days=60))
    await case.until(lambda c: _follow_up(c, referral, 90) is FollowUpStatus.DUE)
    await case.step(
        RecordFollowUp(day=90, still_employed=False, reason="Moved away (test data)"), referral
    )
    await case.step(CloseCase(outcome=CaseOutcome.PLACED))
    history = await _settled(env.client, case.workflow_id)
    return [
        Take(
            history,
            "placement.case",
            "job referral: not placed, placed; 30- and 90-day follow-up timers fire; close",
        )
    ]


def _follow_up(case: CaseFile, referral_id: str, day: int) -> FollowUpStatus | None:
    for referral in case.referrals:
        for follow_up in referral.follow_ups:
            if referral.id == referral_id and follow_up.day == day:
                return follow_up.status
    return None


async def startup(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "startup")
    await case.open(Need.STARTUP_AID)
    await case.step(DecideEligibility(accepted=True))
    today = (await env.get_current_time()).date()
    funded = await case.step(
        ApplyStartupAid(plan="Test bicycle repair shop", amount_requested=Decimal(8000))
    )
    application = f"S{funded.seq}"
    await case.step(ApproveStartupAid(amount_approved=Decimal(6000)), application, SUPERVISOR)
    await case.step(DisburseStartupAid(amount=Decimal(6000), disbursed_on=today), application)
    refused = await case.step(
        ApplyStartupAid(plan="Test second shop", amount_requested=Decimal(9000))
    )
    await case.step(RefuseStartupAid(reason="One grant per case (test data)"), f"S{refused.seq}")
    await case.step(CloseCase(outcome=CaseOutcome.FUNDED))
    history = await _settled(env.client, case.workflow_id)
    return [Take(history, "startup.case", "start-up aid: approve, disburse, refuse")]


async def relief(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "relief")
    await case.open(Need.FEE_RELIEF)
    await case.step(DecideEligibility(accepted=True))
    today = (await env.get_current_time()).date()
    granted = await case.step(
        SubmitPetition(bureau=Bureau.TAX, request="Test tax relief", submitted_on=today)
    )
    await case.step(
        GrantPetition(relief="Test fees waived", value=Decimal(1200)), f"P{granted.seq}"
    )
    refused = await case.step(
        SubmitPetition(
            bureau=Bureau.OTHER,
            bureau_name="Test Bureau",
            request="Test permit fee relief",
            submitted_on=today,
        )
    )
    await case.step(RefusePetition(reason="Out of scope (test data)"), f"P{refused.seq}")
    await case.step(CloseCase(outcome=CaseOutcome.RELIEF_GRANTED))
    history = await _settled(env.client, case.workflow_id)
    return [Take(history, "relief.case", "fee relief: grant, refuse")]


async def reopen_withdraw(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "reopen_withdraw")
    await case.open(Need.JOB_REFERRAL)
    await case.step(StartAssessment())
    await case.step(DecideEligibility(accepted=False, reason="Missing papers (test data)"))
    await case.step(ReopenCase(reason="Papers arrived (test data)"))
    await case.step(DecideEligibility(accepted=True))
    await case.step(AddNeed(need=Need.TRAINING))
    await case.step(WithdrawCase(reason="Claimant moved (test data)"))
    await case.step(ReopenCase(reason="Claimant back (test data)"))
    await case.step(CloseCase(outcome=CaseOutcome.SERVED))
    history = await _settled(env.client, case.workflow_id)
    return [
        Take(
            history,
            "reopen_withdraw.case",
            "not eligible, reopen, accept, add need, withdraw, reopen, close",
        )
    ]


async def legal(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "legal")
    await case.open(Need.LEGAL_AID)
    await case.step(AssignLawyer(lawyer="lawyer-a"), actor=SUPERVISOR)
    today = (await env.get_current_time()).date()
    resolved = await case.step(
        RecordInfringement(
            infringement="Test employer refused leave for reservist duty",
            infringer="Test Employer Ltd",
            occurred_on=today - timedelta(days=5),
            evidence=["Test letter"],
        ),
        actor=LAWYER,
    )
    first = f"M{resolved.seq}"
    await case.step(
        ReferMatter(department=Department.LABOUR, channel=Channel.LETTER), first, LAWYER
    )
    await case.step(
        ReferMatter(department=Department.JUSTICE, channel=Channel.ONLINE), first, LAWYER
    )
    await case.step(AcknowledgeMatter(department=Department.LABOUR, reference="TEST-1"), first)
    # A new lawyer: the open matter's child workflow is told (a signal) and re-indexed.
    await case.step(AssignLawyer(lawyer="lawyer-b"), actor=SUPERVISOR)
    await case.step(AcknowledgeMatter(department=Department.JUSTICE), first, LAWYER)
    await case.step(ResolveMatter(outcome="Leave granted (test data)"), first, LAWYER)
    dropped = await case.step(
        RecordInfringement(infringement="Test unpaid overtime", infringer="Test Agency"),
        actor=LAWYER,
    )
    second = f"M{dropped.seq}"
    # Closing the case closes the open matter, and so ends its child workflow.
    await case.step(CloseCase(outcome=CaseOutcome.RIGHTS_RESTORED, reason="Done (test data)"))
    entries = []
    for matter in (first, second):
        child_id = legal_matter_workflow_id(case.case_id, matter)
        try:
            await env.client.get_workflow_handle(child_id).result()
        except WorkflowFailureError as failure:
            raise AssertionError(f"{child_id} failed") from failure
        entries.append(
            Take(
                await _settled(env.client, child_id),
                f"legal.matter-{matter}",
                "legal matter child: started, synced (new lawyer), ends when closed",
                LEGAL_MATTER_WORKFLOW,
            )
        )
    history = await _settled(env.client, case.workflow_id)
    entries.insert(
        0,
        Take(
            history,
            "legal.case",
            "legal aid: lawyer, two matters (child workflows), refer, acknowledge, "
            "new lawyer (signal), resolve, close with an open matter",
        ),
    )
    return entries


async def hardship(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "hardship")
    await case.open(Need.HARDSHIP_AID)
    await case.step(DecideEligibility(accepted=True))
    today = (await env.get_current_time()).date()
    granted = await case.step(
        RequestHardshipAid(
            difficulty=Difficulty.MEDICAL,
            situation="Test family: hospital bill (test data)",
            amount_requested=Decimal(3000),
        )
    )
    request = f"H{granted.seq}"
    await case.step(GrantHardshipAid(amount_granted=Decimal(2000)), request)
    await case.step(PayHardshipAid(amount=Decimal(1200), paid_on=today), request)
    await case.step(PayHardshipAid(amount=Decimal(800), paid_on=today), request)
    refused = await case.step(
        RequestHardshipAid(difficulty=Difficulty.HOUSING, amount_requested=Decimal(9000))
    )
    await case.step(
        RefuseHardshipAid(reason="Above the fund's line (test data)"), f"H{refused.seq}"
    )
    await case.step(CloseCase(outcome=CaseOutcome.SERVED))
    history = await _settled(env.client, case.workflow_id)
    return [Take(history, "hardship.case", "hardship aid: request, grant, two payments, refuse")]


async def reassignment(env: WorkflowEnvironment) -> Entries:
    """A case handed to another owner by a supervisor, then moved on by a reassignment
    of a list of cases (its own workflow), one of them closed and refused."""
    case = Case(env.client, "reassignment")
    await case.open(Need.JOB_REFERRAL)
    await case.step(DecideEligibility(accepted=True))
    await case.step(
        ReassignCase(owner="staff-second", reason="On leave (test data)"), actor=SUPERVISOR
    )
    closed = Case(env.client, "reassignment-closed")
    await closed.open(Need.TRAINING)
    await closed.step(WithdrawCase(reason="Moved away (test data)"))
    start = ReassignmentStart(
        id=str(uuid.uuid5(IDS, "reassignment-bulk")),
        centre="test-centre",
        to_owner="staff-third",
        actor=SUPERVISOR,
        case_ids=[case.case_id, closed.case_id],
        reason="The desk moves (test data)",
    )
    bulk = await env.client.execute_workflow(
        ReassignmentWorkflow.run,
        start,
        id=reassignment_workflow_id(start.id),
        task_queue=TASK_QUEUE,
    )
    assert (bulk.done, [f.code for f in bulk.failed]) == (1, ["wrong_stage"]), bulk
    await case.step(CloseCase(outcome=CaseOutcome.SERVED, reason="Done (test data)"))
    return [
        Take(
            await _settled(env.client, case.workflow_id),
            "reassignment.case",
            "a supervisor reassigns the case, then a reassignment moves it on",
        ),
        Take(
            await _settled(env.client, reassignment_workflow_id(start.id)),
            "reassignment.bulk",
            "a reassignment of two cases: one moved, one refused (closed)",
            workflow_type=REASSIGNMENT_WORKFLOW,
        ),
    ]


async def continue_as_new(env: WorkflowEnvironment) -> Entries:
    """Steps until the history passes HISTORY_BOUND and the case continues-as-new."""
    case = Case(env.client, "continue_as_new")
    await case.open(Need.LEGAL_AID, Need.JOB_REFERRAL)
    await case.step(DecideEligibility(accepted=True))
    # Lawyer handovers keep the case small (the history is large enough as it is).
    for n in range(CAN_STEP_LIMIT):
        await case.step(AssignLawyer(lawyer=f"lawyer-{'ab'[n % 2]}"), actor=SUPERVISOR)
        if n % 20 == 19 and (await case.handle.describe()).run_id != case.first_run_id:
            break
    else:
        raise AssertionError("the case never continued-as-new")
    # The new run goes on from the carried state: the sequence continues.
    today = (await env.get_current_time()).date()
    referral = await case.step(
        ReferToJob(employer="Test Employer", position="Cook", referred_on=today)
    )
    await case.step(RecordNotPlaced(reason="No show (test data)"), f"R{referral.seq}")
    await case.step(CloseCase(outcome=CaseOutcome.SERVED, reason="Done (test data)"))
    assert case.first_run_id
    first = await _settled(env.client, case.workflow_id, case.first_run_id)
    last = first.events[-1]
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    second_run = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    second = await _settled(env.client, case.workflow_id, second_run)
    return [
        Take(
            first,
            "continue_as_new.case.run1",
            "first run, ends in continue-as-new at HISTORY_BOUND",
        ),
        Take(
            second,
            "continue_as_new.case.run2",
            "second run: starts from the carried case and events, goes on, closes",
        ),
    ]


async def upkeep(env: WorkflowEnvironment) -> Entries:
    case = Case(env.client, "upkeep")
    opened = await case.open(Need.JOB_REFERRAL)
    assert opened.number is not None  # taken through its activity, behind a patch
    now = await env.get_current_time()
    first = await case.step(
        AddNote(contact=ContactKind.PHONE_CALL, happened_at=now, note="Called (test data)")
    )
    await case.step(
        AddNote(
            contact=ContactKind.HOME_VISIT,
            happened_at=now,
            note="Visited instead (test data)",
            supersedes=f"N{first.seq}",
        )
    )
    await case.step(
        CorrectClaimant(
            claimant=ClaimantDetails(phone="13900000000"), reason="New number (test data)"
        )
    )
    await case.step(WithdrawCase(reason="Moved away (test data)"))
    history = await _settled(env.client, case.workflow_id)
    return [Take(history, "upkeep.case", "case number, notes (one superseded), a correction")]


SCENARIOS: list[Callable[[WorkflowEnvironment], Awaitable[Entries]]] = [
    training,
    placement,
    startup,
    relief,
    reopen_withdraw,
    legal,
    continue_as_new,
    hardship,
    reassignment,
    upkeep,
]


def _worker(
    client: Client, session_factory: sessionmaker[Session], executor: ThreadPoolExecutor
) -> Worker:
    """The production worker (default calendars and clock policy: no settings read)."""
    return build_worker(
        client,
        task_queue=TASK_QUEUE,
        session_factory=session_factory,
        identity_key=b"replay-recorder-key",
        activity_executor=executor,
    )


async def record(
    scenarios: list[Callable[[WorkflowEnvironment], Awaitable[Entries]]],
) -> Entries:
    # Recorded in the clear (no payload codec), so that a change shows in a diff; the
    # projection still seals personal data in the read model, with a made-up master key.
    ring = KeyRing(keys={"rec1": b"replay-recorder-master-key-32-b!"}, current="rec1")
    install_vault(Vault(ring))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'casework.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=find_binary("temporal-test-server"),
            data_converter=pydantic_data_converter,
            identity="replay-recorder",
        )
        try:
            await register_search_attributes(env.client, env.client.namespace)
            with ThreadPoolExecutor(max_workers=4) as executor:
                worker = _worker(env.client, make_session_factory(engine), executor)
                async with worker:
                    entries: Entries = []
                    for scenario in scenarios:
                        entries += await scenario(env)
                        print(f"recorded {scenario.__name__}", flush=True)
                    return entries
        finally:
            await env.shutdown()
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        default=recorded.CURRENT,
        help="the set (folder under histories/) to write, replacing its content",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[scenario.__name__ for scenario in SCENARIOS],
        help="record only this scenario (repeatable), keeping the set's other histories",
    )
    arguments = parser.parse_args()
    set_name, only = arguments.set, arguments.scenario
    chosen = [scenario for scenario in SCENARIOS if only is None or scenario.__name__ in only]
    takes = asyncio.run(record(chosen))
    kept = [entry for entry in recorded.recorded(set_name) if only and entry.scenario not in only]
    entries = kept + [
        recorded.write(
            take.history,
            set_name=set_name,
            name=take.name,
            workflow_type=take.workflow_type,
            scenario=take.name.split(".", 1)[0],
            covers=take.covers,
        )
        for take in takes
    ]
    recorded.write_index(set_name, entries)
    total = 0
    for entry in entries:
        size = entry.path.stat().st_size
        total += size
        print(f"{entry.name}: {entry.events} events, {size / 1000:.1f} kB")
    print(f"{len(entries)} histories, {total / 1000:.1f} kB in {recorded.HISTORIES / set_name}")


if __name__ == "__main__":
    main()
