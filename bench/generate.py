"""Bulk-load realistic cases and timelines straight into the read model.

Each case is lived step by step with the project's own rules, exactly as its workflow
would: ``services.cases.rules.check`` then ``evolve``, the clocks each step starts or
meets (``services.deadlines.triggers.clock_changes``), and the system steps that fall due
on their own between two steps (follow-ups falling due, clock warnings and escalations,
``services.deadlines.alarms.due_actions``). The finished case and all its events are then
projected with ``services.read_model.record_case_events``, many cases per
transaction, into a scratch SQLite shard whose rows are copied into the targets: the
rows, hash chains, per-case keys, needs, tasks and escalations are the ones the worker
would have written, whatever the projection writes next.

Distributions (over the year before ``--end``): veterans 60 %, military families 30 %,
martyrs' families 10 %; job referral in about half the cases, then training, fee relief,
start-up aid and legal aid; about 85 % accepted at assessment; referrals, interviews,
offers, placements with 30/90/180-day follow-ups, training enrolments, start-up aid,
fee-relief petitions, legal matters referred to the labour and/or justice department;
cases opened late in the year are still in progress at ``--end``.

    .venv/bin/python -m bench.generate --database-url sqlite:///x.db --cases 1000
"""

from __future__ import annotations

import argparse
import heapq
import multiprocessing
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Table, create_engine, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from casework.crypto import load_vault, with_identity_key
from casework.settings import Settings
from services.cases import rules
from services.cases.lifecycle import CaseOutcome
from services.cases.model import (
    CaseFile,
    Claimant,
    ClaimantCategory,
    HouseholdMember,
    Need,
    Relation,
)
from services.cases.progress import track_outcomes
from services.cases.steps import (
    AssignLawyer,
    CaseEvent,
    CloseCase,
    DecideEligibility,
    OpenCase,
    StartAssessment,
    Step,
    WithdrawCase,
)
from services.crypto.cipher import format_key_ring, parse_key_ring
from services.crypto.vault import Vault, install_vault
from services.db import Base, make_engine, make_session_factory, transaction
from services.deadlines.alarms import due_actions, next_action_at
from services.deadlines.calendar import DEFAULT_DIRECTORY, load_calendar
from services.deadlines.clocks import DeadlineRules
from services.deadlines.policy import policy_with
from services.deadlines.records import EscalationRecord  # noqa: F401  (registers the table)
from services.deadlines.triggers import clock_changes
from services.fee_relief.model import Bureau, GrantPetition, RefusePetition, SubmitPetition
from services.job_referral.model import (
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.kernel.actors import SYSTEM_ACTOR, Actor, Role
from services.kernel.errors import StepRejected
from services.legal_aid.model import (
    AcknowledgeMatter,
    Channel,
    CloseMatterWithoutRemedy,
    Department,
    RecordInfringement,
    ReferMatter,
    ResolveMatter,
)
from services.migrate import upgrade_database
from services.read_model import record_case_events
from services.startup_aid.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
)
from services.training.model import CompleteTraining, DropTraining, EnrolTraining

DEFAULT_IDENTITY_KEY = b"casework-dev-identity-hash-key"
CHINA = timedelta(hours=8)

STAFF = [Actor(id=f"staff-{n}", role=Role.STAFF) for n in range(1, 25)]
LAWYERS = [Actor(id=f"lawyer-{n}", role=Role.LAWYER) for n in range(1, 9)]
SUPERVISORS = [Actor(id=f"supervisor-{n}", role=Role.SUPERVISOR) for n in range(1, 4)]
CENTRES = (["county-centre"] * 6) + ["east-district", "west-district", "north-town", "river-town"]
CATEGORIES = (
    [ClaimantCategory.VETERAN] * 6
    + [ClaimantCategory.MILITARY_FAMILY] * 3
    + [ClaimantCategory.MARTYR_FAMILY]
)
# (need, weight as the first need, chance as an extra need)
NEEDS = [
    (Need.JOB_REFERRAL, 45, 0.10),
    (Need.TRAINING, 22, 0.15),
    (Need.FEE_RELIEF, 12, 0.06),
    (Need.STARTUP_AID, 11, 0.05),
    (Need.LEGAL_AID, 10, 0.04),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉力斌宇浩凯鹏飞"
LATIN_NAMES = ["Li Wei", "Wang Fang", "Zhang Min", "Liu Yang", "Chen Jie", "Zhao Lei", "Sun Li"]
EMPLOYERS = [
    "County Logistics", "Hengda Security", "Riverside Hospital", "Xinhua Bookstore",
    "Lanshan Construction", "Green Valley Farm Co-op", "City Bus Company", "Sunrise Hotel",
]  # fmt: skip
POSITIONS = ["Driver", "Security guard", "Warehouse clerk", "Electrician", "Cook", "Mechanic"]
COURSES = ["Forklift licence", "Electrician grade 4", "E-commerce basics", "Chef level 1"]
PROVIDERS = ["County Vocational School", "Veterans Training Centre", "City Polytechnic"]
PLANS = ["Repair shop", "Noodle stall", "Courier franchise", "Tea house", "Farm equipment hire"]
INFRINGEMENTS = [
    "Wages withheld for three months",
    "Dismissed for attending a reserve call-up",
    "Priority placement for a martyr's child refused",
    "Pension subsidy not paid",
]
INFRINGERS = ["Employer X", "Labour agency Y", "Property company Z", "Township office"]
NOTES = [
    "Called the claimant; documents on file.",
    "Claimant came in person with the discharge certificate.",
    "Waiting on the employer's reply.",
    "Spoke with the family; next visit in two weeks.",
]


def deadline_rules(end: datetime) -> DeadlineRules:
    years = range(end.year - 2, end.year + 3)
    return DeadlineRules(
        calendar=load_calendar(DEFAULT_DIRECTORY, years, 480), policy=policy_with()
    )


# --- one case, lived step by step -------------------------------------------------------

Action = tuple[datetime, Step, str | None, Actor]
Track = Generator[Action, CaseEvent | None, None]


class CaseLife:
    """A case workflow without Temporal: the same checks, clocks and system steps."""

    def __init__(self, case_id: str, deadline: DeadlineRules, end: datetime) -> None:
        self.case_id = case_id
        self.rules = deadline
        self.end = end
        self.case: CaseFile | None = None
        self.events: list[CaseEvent] = []
        self.now = datetime.min.replace(tzinfo=UTC)

    def take(
        self, at: datetime, step: Step, target: str | None = None, actor: Actor = STAFF[0]
    ) -> CaseEvent | None:
        """Record ``step`` at ``at`` after whatever fell due before it; None if refused or
        after the end of the period."""
        if at > self.end:
            return None
        self.catch_up(at)
        return self._record(max(at, self.now), step, target, actor)

    def catch_up(self, until: datetime) -> None:
        for _ in range(100):
            due = next_action_at(self.case, self.rules)
            if due is None or due > until:
                return
            at = max(due, self.now)
            actions = due_actions(self.case, self.rules, at)
            if not actions:
                return
            for step, target in actions:
                if self._record(at, step, target, SYSTEM_ACTOR) is None:
                    return

    def _record(
        self, at: datetime, step: Step, target: str | None, actor: Actor
    ) -> CaseEvent | None:
        for _ in range(3):
            try:
                rules.check(self.case, step, actor=actor, target=target)
                break
            except StepRejected as rejected:
                if rejected.code == "late_reason_required":
                    step = step.model_copy(update={"late_reason": "Claimant was unreachable"})
                elif rejected.code == "reason_required":
                    step = step.model_copy(update={"reason": "Nothing more the centre can do"})
                else:
                    return None
        else:
            return None
        event = CaseEvent(
            case_id=self.case_id, seq=len(self.events) + 1, at=at, actor=actor,
            target=target, step=step,
        )  # fmt: skip
        event = event.model_copy(update={"clocks": clock_changes(self.case, event, self.rules)})
        self.case = rules.evolve(self.case, event)
        self.events.append(event)
        self.now = at
        return event


@dataclass
class Dice:
    rng: random.Random

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.rng.uniform(low, high))

    def pick(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def note(self) -> str | None:
        return self.pick(NOTES) if self.chance(0.25) else None

    def money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randrange(low, high) * 100) / 100


def office_hours(moment: datetime, dice: Dice) -> datetime:
    """Move a moment to the centre's working hours (9:00-17:00 Beijing, Mon-Fri)."""
    local = moment + CHINA
    while local.weekday() >= 5:
        local += timedelta(days=1)
    local = local.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        seconds=dice.rng.randrange(8 * 3600)
    )
    return local - CHINA


def job_track(dice: Dice, start: datetime) -> Track:
    at = start
    for _ in range(dice.rng.choice([1, 1, 1, 2, 2, 3])):
        at = office_hours(at + dice.days(1, 20), dice)
        event = yield (at, ReferToJob(
            employer=dice.pick(EMPLOYERS), position=dice.pick(POSITIONS),
            referred_on=(at + CHINA).date(), note=dice.note(),
        ), None, dice.pick(STAFF))  # fmt: skip
        if event is None:
            return
        referral = f"R{event.seq}"
        if dice.chance(0.7):
            at = office_hours(at + dice.days(2, 14), dice)
            if (yield (at, RecordInterview(interview_on=(at + CHINA).date()), referral,
                       dice.pick(STAFF))) is None:  # fmt: skip
                return
        if dice.chance(0.55):
            wage = dice.money(3000, 9000)
            at = office_hours(at + dice.days(1, 10), dice)
            if (yield (at, RecordOffer(monthly_wage=wage), referral, dice.pick(STAFF))) is None:
                return
            if dice.chance(0.8):
                at = office_hours(at + dice.days(1, 7), dice)
                starts_on = (at + CHINA).date() + timedelta(days=dice.rng.randrange(1, 15))
                placed = RecordPlacement(starts_on=starts_on, monthly_wage=wage, note=dice.note())
                if (yield (at, placed, referral, dice.pick(STAFF))) is None:
                    return
                yield from follow_ups(dice, referral, starts_on)
                return
        at = office_hours(at + dice.days(3, 20), dice)
        reason = dice.pick(["Did not attend", "Employer chose another", "Declined the offer"])
        if (yield (at, RecordNotPlaced(reason=reason), referral, dice.pick(STAFF))) is None:
            return


def follow_ups(dice: Dice, referral: str, starts_on: date) -> Track:
    for day in (30, 90, 180):
        due = datetime.combine(starts_on + timedelta(days=day), datetime.min.time(), UTC)
        at = office_hours(due + dice.days(0, 8), dice)
        employed = dice.chance(0.85)
        step = RecordFollowUp(
            day=day, still_employed=employed, reason=None if employed else "Left for another job"
        )
        if (yield (at, step, referral, dice.pick(STAFF))) is None or not employed:
            return


def training_track(dice: Dice, start: datetime) -> Track:
    at = office_hours(start + dice.days(2, 30), dice)
    starts_on = (at + CHINA).date() + timedelta(days=dice.rng.randrange(3, 30))
    ends_on = starts_on + timedelta(days=dice.rng.choice([14, 30, 60, 90]))
    event = yield (at, EnrolTraining(
        course=dice.pick(COURSES), provider=dice.pick(PROVIDERS),
        starts_on=starts_on, ends_on=ends_on,
    ), None, dice.pick(STAFF))  # fmt: skip
    if event is None:
        return
    enrolment = f"T{event.seq}"
    done = datetime.combine(ends_on, datetime.min.time(), UTC)
    at = office_hours(max(at, done) + dice.days(0, 10), dice)
    step: Step = (
        CompleteTraining(certificate=f"CERT-{dice.rng.randrange(10**6):06d}")
        if dice.chance(0.8)
        else DropTraining(reason="Moved away")
    )
    yield (at, step, enrolment, dice.pick(STAFF))


def startup_track(dice: Dice, start: datetime) -> Track:
    at = office_hours(start + dice.days(3, 40), dice)
    requested = dice.money(10_000, 80_000)
    event = yield (at, ApplyStartupAid(plan=dice.pick(PLANS), amount_requested=requested),
                   None, dice.pick(STAFF))  # fmt: skip
    if event is None:
        return
    application = f"S{event.seq}"
    at = office_hours(at + dice.days(5, 40), dice)
    if dice.chance(0.3):
        yield (at, RefuseStartupAid(reason="Plan not viable"), application, SUPERVISORS[0])
        return
    approved = min(requested, dice.money(8_000, 60_000))
    if (yield (at, ApproveStartupAid(amount_approved=approved), application,
               dice.pick(SUPERVISORS))) is None:  # fmt: skip
        return
    if dice.chance(0.85):
        at = office_hours(at + dice.days(3, 30), dice)
        step = DisburseStartupAid(amount=approved, disbursed_on=(at + CHINA).date())
        yield (at, step, application, dice.pick(STAFF))


def relief_track(dice: Dice, start: datetime) -> Track:
    at = office_hours(start + dice.days(2, 30), dice)
    bureau = dice.pick([Bureau.TAX, Bureau.MARKET_REGULATION, Bureau.OTHER])
    event = yield (at, SubmitPetition(
        bureau=bureau, bureau_name="Township office" if bureau is Bureau.OTHER else None,
        request="Waive the stall fee for a year", submitted_on=(at + CHINA).date(),
    ), None, dice.pick(STAFF))  # fmt: skip
    if event is None:
        return
    petition = f"P{event.seq}"
    at = office_hours(at + dice.days(5, 60), dice)
    if dice.chance(0.72):
        step: Step = GrantPetition(relief="Fee waived for a year", value=dice.money(200, 5000))
    else:
        step = RefusePetition(reason="Not within the bureau's powers")
    yield (at, step, petition, dice.pick(STAFF))


def legal_track(dice: Dice, start: datetime) -> Track:
    lawyer = dice.pick(LAWYERS)
    at = office_hours(start + dice.days(0, 3), dice)
    if (yield (at, AssignLawyer(lawyer=lawyer.id), None, dice.pick(SUPERVISORS))) is None:
        return
    for _ in range(dice.rng.choice([1, 1, 1, 2])):
        at = office_hours(at + dice.days(0, 10), dice)
        event = yield (at, RecordInfringement(
            infringement=dice.pick(INFRINGEMENTS), infringer=dice.pick(INFRINGERS),
            occurred_on=(at + CHINA).date() - timedelta(days=dice.rng.randrange(1, 90)),
            evidence=["contract.pdf", "payslips.pdf"][: dice.rng.randrange(3)],
        ), None, lawyer)  # fmt: skip
        if event is None:
            return
        matter = f"M{event.seq}"
        departments = [Department.LABOUR] if dice.chance(0.6) else list(Department)
        if dice.chance(0.2):
            departments = [Department.JUSTICE]
        # Referred within the 24-hour clock mostly; one in ten late.
        at = at + (dice.hours(1, 20) if dice.chance(0.9) else dice.hours(25, 60))
        for department in departments:
            step = ReferMatter(department=department, channel=dice.pick(list(Channel)))
            if (yield (at, step, matter, lawyer)) is None:
                return
        ack_at = at
        for department in departments:
            if dice.chance(0.9):
                ack_at = office_hours(at + dice.days(1, 9), dice)
                ack = AcknowledgeMatter(department=department, reference=f"LB-{event.seq}")
                if (yield (ack_at, ack, matter, lawyer)) is None:
                    return
        at = office_hours(ack_at + dice.days(10, 120), dice)
        if dice.chance(0.65):
            yield (at, ResolveMatter(outcome="Wages paid in full"), matter, lawyer)
        elif dice.chance(0.5):
            yield (at, CloseMatterWithoutRemedy(reason="No evidence of the claim"), matter, lawyer)


TRACKS: dict[Need, Callable[[Dice, datetime], Track]] = {
    Need.JOB_REFERRAL: job_track,
    Need.TRAINING: training_track,
    Need.STARTUP_AID: startup_track,
    Need.FEE_RELIEF: relief_track,
    Need.LEGAL_AID: legal_track,
}
OUTCOMES = {
    Need.JOB_REFERRAL: ("placed", CaseOutcome.PLACED),
    Need.TRAINING: ("completed", CaseOutcome.TRAINED),
    Need.STARTUP_AID: ("disbursed", CaseOutcome.FUNDED),
    Need.FEE_RELIEF: ("granted", CaseOutcome.RELIEF_GRANTED),
    Need.LEGAL_AID: ("resolved", CaseOutcome.RIGHTS_RESTORED),
}


def national_id(dice: Dice, born: date) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = f"{dice.rng.randrange(110000, 659000)}{born:%Y%m%d}{dice.rng.randrange(1000):03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def claimant(dice: Dice) -> Claimant:
    if dice.chance(0.85):
        name = dice.pick(list(SURNAMES)) + "".join(
            dice.pick(list(GIVEN)) for _ in range(dice.rng.choice([1, 2, 2]))
        )
    else:
        name = dice.pick(LATIN_NAMES)
    born = date(1950, 1, 1) + timedelta(days=dice.rng.randrange(365 * 55))
    household = [
        HouseholdMember(name=dice.pick(LATIN_NAMES), relation=dice.pick(list(Relation)))
        for _ in range(dice.rng.choice([0, 0, 1, 2, 3]))
    ]
    return Claimant(
        name=name,
        category=dice.pick(CATEGORIES),
        national_id=national_id(dice, born) if dice.chance(0.75) else None,
        birth_date=None if dice.chance(0.5) else born,
        phone=f"1{dice.rng.randrange(3, 10)}{dice.rng.randrange(10**9):09d}"
        if dice.chance(0.8)
        else None,
        address="No. 12, Heping Road, Lanshan County" if dice.chance(0.5) else None,
        household=household,
        situation="Discharged last year; looking for steady work near home"
        if dice.chance(0.4)
        else None,
    )


def needs_of(dice: Dice) -> list[Need]:
    first = dice.rng.choices([n for n, _, _ in NEEDS], weights=[w for _, w, _ in NEEDS])[0]
    return [first] + [n for n, _, p in NEEDS if n is not first and dice.chance(p)]


def live_case(seed: int, start: datetime, end: datetime, deadline: DeadlineRules) -> CaseLife:
    """One case opened between ``start`` and ``end``, lived until it closes or ``end``."""
    dice = Dice(random.Random(seed))  # noqa: S311  (test data, not secrets)
    case_id = str(uuid.UUID(int=dice.rng.getrandbits(128), version=4))
    life = CaseLife(case_id, deadline, end)
    span = (end - start).total_seconds()
    opened = office_hours(start + timedelta(seconds=dice.rng.random() * span), dice)
    opened = min(opened, end)
    intake_by = dice.pick(STAFF)
    needs = needs_of(dice)
    summary = "Needs steady work and help with the shop's fees" if dice.chance(0.7) else None
    intake = OpenCase(
        claimant=claimant(dice), needs=needs, centre=dice.pick(CENTRES), summary=summary
    )
    if life.take(opened, intake, actor=intake_by) is None:
        return life
    at = opened
    if dice.chance(0.8):
        at = office_hours(at + dice.days(0, 2), dice)
        if life.take(at, StartAssessment(), actor=dice.pick(STAFF)) is None:
            return life
    at = office_hours(at + dice.days(0.2, 5), dice)
    accepted = dice.chance(0.87)
    decision = DecideEligibility(
        accepted=accepted, reason=None if accepted else "Not in a supported category"
    )
    if life.take(at, decision, actor=dice.pick(STAFF)) is None or not accepted:
        return life
    # Tracks run side by side: take their steps in time order.
    tracks: list[tuple[datetime, int, Track, Action]] = []
    for index, need in enumerate(needs):
        track = TRACKS[need](dice, at)
        first = next(track)
        tracks.append((first[0], index, track, first))
    heapq.heapify(tracks)
    withdraw_at = at + dice.days(5, 200) if dice.chance(0.06) else None
    last = at
    while tracks:
        when, index, track, (_, step, target, actor) = heapq.heappop(tracks)
        if withdraw_at is not None and when > withdraw_at:
            break
        event = life.take(when, step, target, actor)
        last = max(last, when)
        try:
            action = track.send(event)
        except StopIteration:
            continue
        heapq.heappush(tracks, (action[0], index, track, action))
    if withdraw_at is not None:
        life.take(withdraw_at, WithdrawCase(reason="Moved to another county"), actor=intake_by)
    elif not tracks:
        assert life.case is not None
        outcome = CaseOutcome.SERVED
        for need in needs:
            wanted, won = OUTCOMES[need]
            if track_outcomes(life.case).get(need.value) == wanted:
                outcome = won
                break
        close_at = office_hours(last + dice.days(1, 30), dice)
        life.take(close_at, CloseCase(outcome=outcome), actor=intake_by)
    life.catch_up(end)
    return life


# --- loading ---------------------------------------------------------------------------

Life = tuple[CaseFile, list[CaseEvent]]


@dataclass
class LoadStats:
    cases: int = 0
    events: int = 0
    live_seconds: float = 0.0  # living the cases, summed over processes
    project_seconds: float = 0.0  # record_case_events into the shards, summed
    write_seconds: dict[str, float] = field(default_factory=dict)  # copies, by target
    wall_seconds: float = 0.0

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.wall_seconds if self.wall_seconds else 0.0


def lives(first_seed: int, count: int, end: datetime) -> Iterator[Life]:
    deadline = deadline_rules(end)
    start = end - timedelta(days=365)
    for seed in range(first_seed, first_seed + count):
        life = live_case(seed, start, end, deadline)
        if life.case is not None:
            yield life.case, life.events


def project_orm(session: Session, batch: list[Life], identity_key: bytes) -> None:
    """What the worker's projection activity does, one case after another."""
    for case, events in batch:
        record_case_events(session=session, case=case, events=events, identity_key=identity_key)


@dataclass(frozen=True)
class Job:
    first_seed: int
    count: int
    end: datetime
    identity_key: bytes
    master_keys: str
    urls: tuple[str, ...]
    shard_dir: str


@dataclass
class JobResult:
    cases: int
    events: int
    live_seconds: float
    project_seconds: float
    write_seconds: dict[str, float]
    shard: str


_ENGINES: dict[str, Engine] = {}


def _shard_engine(path: Path) -> Engine:
    """A scratch SQLite file with every table of the schema, written without a journal.
    Values pass through the same SQLAlchemy types as in the real database, so copying
    rows across keeps them exact."""
    engine = create_engine(f"sqlite:///{path}")
    sa_event.listen(engine, "connect", _fast_pragmas)
    Base.metadata.create_all(engine)
    return engine


def _fast_pragmas(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")


def _copied_columns(table: Table) -> list[Column[Any]]:
    """A surrogate integer key is left out, so that the target numbers the rows anew."""
    surrogate = table.autoincrement_column
    return [column for column in table.columns if column is not surrogate]


def filled_tables(engine: Engine) -> list[Table]:
    """Tables of the schema that hold rows in ``engine``, parents before children."""
    present = set(sa_inspect(engine).get_table_names())
    with engine.connect() as connection:
        return [
            table
            for table in Base.metadata.sorted_tables
            if table.name in present
            and connection.execute(select(table).limit(1)).first() is not None
        ]


def copy_rows(source: Engine, target: Engine, chunk: int = 2000) -> None:
    """Every row of the shard into ``target``, in one transaction, with executemany."""
    tables = filled_tables(source)
    with source.connect() as reading, target.begin() as writing:
        for table in tables:
            columns = _copied_columns(table)
            result = reading.execute(select(*columns))
            while rows := result.mappings().fetchmany(chunk):
                writing.execute(insert(table), [dict(row) for row in rows])


def install_master_keys(master_keys: str) -> None:
    install_vault(Vault(parse_key_ring(master_keys)))


def run_job(job: Job) -> JobResult:
    """Live a batch of cases and project them with ``record_case_events`` into a scratch
    SQLite shard; copy the shard into each PostgreSQL target from here (many writers are
    fine there); the parent merges it into each SQLite target (one writer at a time)."""
    install_master_keys(job.master_keys)
    began = time.perf_counter()
    batch = list(lives(job.first_seed, job.count, job.end))
    projected = time.perf_counter()
    shard = Path(job.shard_dir) / f"shard-{job.first_seed}.db"
    engine = _shard_engine(shard)
    with transaction(make_session_factory(engine)) as session:
        project_orm(session, batch, job.identity_key)
    copied = time.perf_counter()
    write_seconds: dict[str, float] = {}
    for url in job.urls:
        if make_url(url).get_backend_name() != "sqlite":
            if url not in _ENGINES:
                _ENGINES[url] = make_engine(url)
            written = time.perf_counter()
            copy_rows(engine, _ENGINES[url])
            write_seconds[url] = time.perf_counter() - written
    engine.dispose()
    events = sum(len(events) for _, events in batch)
    return JobResult(
        len(batch), events, projected - began, copied - projected, write_seconds, str(shard)
    )


def merge_shard(shard: str, database_url: str) -> None:
    """Copy a shard's rows into a SQLite database, in one transaction."""
    target = make_url(database_url).database
    assert target is not None
    tables = filled_tables(create_engine(f"sqlite:///{shard}"))
    db = sqlite3.connect(target, isolation_level=None, timeout=60)
    try:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=60000")
        db.execute("ATTACH DATABASE ? AS shard", (shard,))
        db.execute("BEGIN IMMEDIATE")
        for table in tables:
            columns = ", ".join(column.name for column in _copied_columns(table))
            db.execute(
                f"INSERT INTO main.{table.name} ({columns}) "  # noqa: S608  (schema names)
                f"SELECT {columns} FROM shard.{table.name}"
            )
        db.execute("COMMIT")
        db.execute("DETACH DATABASE shard")
    finally:
        db.close()


def load(
    urls: Sequence[str],
    *,
    cases: int,
    master_keys: str,
    first_seed: int = 0,
    end: datetime | None = None,
    batch_size: int = 500,
    processes: int = 2,
    identity_key: bytes = DEFAULT_IDENTITY_KEY,
    progress: Callable[[LoadStats], None] | None = None,
) -> LoadStats:
    """Live ``cases`` cases (seeds ``first_seed``...) and write them into every database
    of ``urls`` (migrated already), ``batch_size`` cases per transaction.

    Every row is written by the worker's own projection (``record_case_events``) into a
    shard first, then copied: the read model, timelines and per-case keys are exactly
    what the worker would have written, under the master ring ``master_keys`` (the one
    the API reads with). The work runs in ``processes`` spawned child processes; this
    one only merges shards into SQLite targets.
    """
    end = end or datetime.now(UTC)
    stats = LoadStats(write_seconds=dict.fromkeys(urls, 0.0))
    sqlite_urls = [url for url in urls if make_url(url).get_backend_name() == "sqlite"]
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as shard_dir:
        jobs = [
            Job(
                seed, min(batch_size, first_seed + cases - seed), end, identity_key,
                master_keys, tuple(urls), shard_dir,
            )
            for seed in range(first_seed, first_seed + cases, batch_size)
        ]  # fmt: skip
        # Spawned, not forked: the caller may hold threads (a Temporal client, a pool).
        context = multiprocessing.get_context("spawn")
        with context.Pool(max(processes, 1)) as pool:
            for result in pool.imap_unordered(run_job, jobs):
                for url in sqlite_urls:
                    merged = time.perf_counter()
                    merge_shard(result.shard, url)
                    stats.write_seconds[url] += time.perf_counter() - merged
                Path(result.shard).unlink()
                stats.cases += result.cases
                stats.events += result.events
                stats.live_seconds += result.live_seconds
                stats.project_seconds += result.project_seconds
                for url, seconds in result.write_seconds.items():
                    stats.write_seconds[url] += seconds
                stats.wall_seconds = time.perf_counter() - began
                if progress:
                    progress(stats)
    stats.wall_seconds = time.perf_counter() - began
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--end", type=datetime.fromisoformat, default=None)
    args = parser.parse_args()
    # The deployment's own master ring (MASTER_KEYS, or the development ring file).
    settings = Settings(database_url=args.database_url)
    master_keys = format_key_ring(load_vault(settings).master)
    upgrade_database(args.database_url)
    stats = load(
        [args.database_url],
        cases=args.cases,
        master_keys=master_keys,
        first_seed=args.first_seed,
        end=args.end,
        batch_size=args.batch_size,
        processes=args.processes,
        identity_key=with_identity_key(settings).identity_key(),
        progress=lambda s: print(
            f"{s.cases} cases, {s.events} events, {s.cases_per_second:.0f} cases/s",
            flush=True,
        ),
    )
    print(f"done: {stats}")


if __name__ == "__main__":
    main()
