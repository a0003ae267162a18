"""The source document's year, lived on the time-skipping server, then reported: every
figure with exactly its cases, and the same report as of mid-year."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from casework.temporal import build_worker
from services.cases.lifecycle import CaseOutcome
from services.cases.model import Claimant, ClaimantCategory, Need
from services.cases.steps import AssignLawyer, CloseCase, DecideEligibility
from services.db import make_engine, make_session_factory
from services.fee_relief.model import Bureau, GrantPetition, SubmitPetition
from services.job_referral.model import (
    RecordFollowUp,
    RecordInterview,
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
from services.reports.case_ids import figure_case_ids
from services.reports.summary import period_bounds, summary_report
from services.startup_aid.model import ApplyStartupAid, ApproveStartupAid, DisburseStartupAid
from tests.conftest import TEST_IDENTITY_KEY
from tests.support import intake, open_case, take
from workflows.case import CaseWorkflow

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAWYER = Actor(id="lawyer-wang", role=Role.LAWYER)
Handle = WorkflowHandle[CaseWorkflow, None]


@pytest.fixture
async def year_worker(
    workflow_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[Worker, sessionmaker[Session]]]:
    """A worker projecting into a database of its own, so the figures are this year's only."""
    url = f"sqlite:///{tmp_path / 'year.db'}"
    upgrade_database(url)
    session_factory = make_session_factory(make_engine(url))
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(
            workflow_env.client,
            task_queue=f"year-{uuid.uuid4()}",
            session_factory=session_factory,
            identity_key=TEST_IDENTITY_KEY,
            activity_executor=executor,
        )
        async with worker:
            yield worker, session_factory


async def _until(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    assert moment > now, f"the scenario went back in time: {moment} <= {now}"
    await env.sleep(moment - now)


async def _place(handle: Handle, starts_on: date) -> str:
    case = await take(
        handle, ReferToJob(employer="County Logistics", position="Driver", referred_on=starts_on)
    )
    referral_id = case.referrals[-1].id
    await take(handle, RecordInterview(interview_on=starts_on), referral_id)
    await take(handle, RecordOffer(monthly_wage=Decimal("4200.00")), referral_id)
    await take(
        handle, RecordPlacement(starts_on=starts_on, monthly_wage=Decimal("4200.00")), referral_id
    )
    return referral_id


async def _follow_up(
    env: WorkflowEnvironment, handle: Handle, referral_id: str, day: int, starts_on: date
) -> None:
    await _until(
        env,
        datetime.combine(starts_on + timedelta(days=day), datetime.min.time(), UTC)
        + timedelta(hours=2),
    )
    await take(handle, RecordFollowUp(day=day, still_employed=True), referral_id)


async def test_year_end_figures_trace_to_their_cases_and_as_of_mid_year(
    workflow_env: WorkflowEnvironment, year_worker: tuple[Worker, sessionmaker[Session]]
) -> None:
    worker, session_factory = year_worker
    queue = worker.task_queue
    year = (await workflow_env.get_current_time()).year + 1

    def on(month: int, day: int, hour: int = 9) -> datetime:
        return datetime(year, month, day, hour, tzinfo=SHANGHAI)

    await _until(workflow_env, on(1, 5))
    people = {
        "veteran": (ClaimantCategory.VETERAN, [Need.JOB_REFERRAL]),
        "family": (ClaimantCategory.MILITARY_FAMILY, [Need.JOB_REFERRAL]),
        "founder": (ClaimantCategory.VETERAN, [Need.STARTUP_AID]),
        "shop": (ClaimantCategory.MARTYR_FAMILY, [Need.FEE_RELIEF]),
        "wronged": (ClaimantCategory.MILITARY_FAMILY, [Need.LEGAL_AID]),
    }
    handles: dict[str, Handle] = {}
    ids: dict[str, str] = {}
    for who, (category, needs) in people.items():
        claimant = Claimant(name=f"Person {who}", category=category)
        handle, case = await open_case(
            workflow_env.client, queue, intake(claimant=claimant, needs=needs)
        )
        await take(handle, DecideEligibility(accepted=True))
        handles[who], ids[who] = handle, case.id

    await _until(workflow_env, on(2, 1))
    wronged = handles["wronged"]
    await take(wronged, AssignLawyer(lawyer=LAWYER.id))
    case = await take(
        wronged,
        RecordInfringement(infringement="Wages withheld", infringer="Employer X"),
        actor=LAWYER,
    )
    matter_id = case.legal_matters[-1].id
    await _until(workflow_env, on(2, 1, 12))
    for department in Department:
        await take(
            wronged,
            ReferMatter(department=department, channel=Channel.IN_PERSON),
            matter_id,
            LAWYER,
        )
    await _until(workflow_env, on(2, 5))
    for department in Department:
        await take(wronged, AcknowledgeMatter(department=department), matter_id, LAWYER)

    veteran_start = date(year, 3, 1)
    await _until(workflow_env, on(3, 1))
    veteran_referral = await _place(handles["veteran"], veteran_start)
    await _follow_up(workflow_env, handles["veteran"], veteran_referral, 30, veteran_start)

    await _until(workflow_env, on(4, 10))
    case = await take(
        handles["shop"],
        SubmitPetition(
            bureau=Bureau.TAX, request="Waive the stall fee", submitted_on=date(year, 4, 10)
        ),
    )
    await take(
        handles["shop"],
        GrantPetition(relief="Stall fee waived for a year", value=Decimal("1200.00")),
        case.petitions[-1].id,
    )

    await _until(workflow_env, on(5, 10))
    case = await take(
        handles["founder"],
        ApplyStartupAid(plan="Repair shop", amount_requested=Decimal("60000.00")),
    )
    application = case.startup_aid[-1].id
    await take(
        handles["founder"], ApproveStartupAid(amount_approved=Decimal("50000.00")), application
    )
    await take(
        handles["founder"],
        DisburseStartupAid(amount=Decimal("50000.00"), disbursed_on=date(year, 5, 12)),
        application,
    )

    await _follow_up(workflow_env, handles["veteran"], veteran_referral, 90, veteran_start)
    mid_year = on(7, 1, 0)
    await _follow_up(workflow_env, handles["veteran"], veteran_referral, 180, veteran_start)

    await _until(workflow_env, on(9, 1))
    await _place(handles["family"], date(year, 9, 1))
    await _until(workflow_env, on(10, 1))
    await take(wronged, ResolveMatter(outcome="Wages paid in full"), matter_id, LAWYER)
    await take(wronged, CloseCase(outcome=CaseOutcome.RIGHTS_RESTORED))

    def report(as_of: datetime):
        with session_factory() as session:
            return summary_report(
                session=session,
                period_from=date(year, 1, 1),
                period_to=date(year, 12, 31),
                as_of=as_of,
                tz=SHANGHAI,
            )

    def cases(figure: str, as_of: datetime) -> list[str]:
        start, end = period_bounds(date(year, 1, 1), date(year, 12, 31), as_of, SHANGHAI)
        with session_factory() as session:
            return figure_case_ids(
                session=session, figure=figure, start=start, end=end, centre=None, limit=1000
            )

    now = await workflow_env.get_current_time()
    full = report(now)
    figures = {name: (figure.count, cases(name, now)) for name, figure in full.figures.items()}
    assert figures["placements"] == (2, sorted([ids["veteran"], ids["family"]]))
    assert figures["placements.veteran"] == (1, [ids["veteran"]])
    assert figures["placements.military_family"] == (1, [ids["family"]])
    assert figures["placements.martyr_family"] == (0, [])
    assert figures["startups_funded"] == (1, [ids["founder"]])
    assert full.figures["startups_funded"].amount == Decimal("50000.00")
    assert figures["fee_relief_granted"] == (1, [ids["shop"]])
    assert full.figures["fee_relief_granted"].amount == Decimal("1200.00")
    assert figures["legal_referred.labour"] == (1, [ids["wronged"]])
    assert figures["legal_referred.justice"] == (1, [ids["wronged"]])
    assert figures["legal_resolved"] == (1, [ids["wronged"]])
    for day in (30, 90, 180):
        assert figures[f"retention.{day}.recorded"] == (1, [ids["veteran"]])
        assert figures[f"retention.{day}.employed"] == (1, [ids["veteran"]])
    assert figures["compliance.eligibility.on_time"] == (5, sorted(ids.values()))
    assert figures["compliance.legal_referral.on_time"] == (1, [ids["wronged"]])
    assert figures["compliance.acknowledgement.on_time"] == (2, [ids["wronged"]])
    assert figures["compliance.follow_up.on_time"] == (3, [ids["veteran"]])
    assert all(figure.count == 0 for name, figure in full.figures.items() if name.endswith(".late"))
    referral_time = full.time_to_act["infringement_to_referral"]
    assert (referral_time.measured, referral_time.median_hours) == (1, 3.0)
    assert cases("median_hours.infringement_to_referral", now) == [ids["wronged"]]
    assert full.time_to_act["intake_to_eligibility"].measured == 5
    lawyer = next(entry for entry in full.activity if entry.actor == LAWYER.id)
    assert (lawyer.role, lawyer.steps) == ("lawyer", 6)
    assert cases(f"activity.lawyer.{LAWYER.id}", now) == [ids["wronged"]]

    half = report(mid_year)
    halves = {name: (figure.count, cases(name, mid_year)) for name, figure in half.figures.items()}
    assert halves["placements"] == (1, [ids["veteran"]])
    assert halves["placements.military_family"] == (0, [])
    assert halves["startups_funded"] == (1, [ids["founder"]])
    assert halves["legal_resolved"] == (0, [])
    assert halves["retention.90.recorded"] == (1, [ids["veteran"]])
    assert halves["retention.180.recorded"] == (0, [])
