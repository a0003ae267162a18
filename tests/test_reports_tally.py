"""The report tally against the timeline it counts: for random periods, time zones,
``as_of`` moments and centres, the summary read from the tally equals the summary
counted from every raw event; replays count nothing twice; the migration fills the tally
from an existing timeline; the cases listed behind each figure are exactly those the
raw events count; and a median reads a bounded number of keys."""

from __future__ import annotations

import itertools
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench import generate
from services.db import make_engine, make_session_factory, transaction
from services.migrate import MIGRATIONS, upgrade_database
from services.read_model import record_case_events
from services.reports import case_ids
from services.reports.case_ids import figure_case_ids
from services.reports.counting import ACTIVITY, TIME_FIGURES, Counted, Key
from services.reports.records import ReportTallyRecord, TallyReads
from services.reports.summary import SummaryReport, _time_to_act, period_bounds, summary_report
from services.reports.tallies import (
    Sums,
    backfill_tallies,
    bucketed,
    compact_tallies,
    count_raw,
    cut,
)
from tests.conftest import PG_URL, TEST_IDENTITY_KEY, TEST_MASTER_KEY_RING, _fresh_postgres_database

pytestmark = pytest.mark.long

END = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
CASES = 60
ZONES = ("Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
CENTRES = (None, "county-centre", "east-district")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL unset")
        ),
    ]
)
def fresh_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of its own, so that every event in it went through the projection."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('tally') / 'c.db'}"
        return
    assert PG_URL
    url, admin, name = _fresh_postgres_database(PG_URL)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _load(url: str, first_seed: int) -> sessionmaker[Session]:
    upgrade_database(url)
    generate.load(
        [url],
        cases=CASES,
        master_keys=TEST_MASTER_KEY_RING,
        first_seed=first_seed,
        end=END,
        batch_size=25,  # several shards: their tally rows are copied side by side
        processes=1,
        identity_key=TEST_IDENTITY_KEY,
    )
    return make_session_factory(make_engine(url))


def _periods(count: int) -> Iterator[tuple[date, date, datetime, ZoneInfo, str | None]]:
    dice = random.Random(8)
    first = (END - timedelta(days=365)).date()
    for _ in range(count):
        start = first + timedelta(days=dice.randrange(360))
        end = min(start + timedelta(days=dice.choice((0, 1, 6, 30, 95, 400))), END.date())
        as_of = END + timedelta(days=30)
        if dice.random() < 0.5:
            as_of = datetime.combine(start, datetime.min.time(), UTC) + timedelta(
                minutes=dice.randrange(60 * 24 * (end - start).days + 60 * 30)
            )
        yield start, end, as_of, ZoneInfo(dice.choice(ZONES)), dice.choice(CENTRES)


def _both(
    session: Session, period: tuple[date, date, datetime, ZoneInfo, str | None]
) -> tuple[SummaryReport, SummaryReport]:
    start, end, as_of, tz, centre = period
    reports = [
        summary_report(
            session=session, period_from=start, period_to=end, as_of=as_of, tz=tz, centre=centre,
            from_tally=from_tally,
        )
        for from_tally in (True, False)
    ]  # fmt: skip
    return reports[0], reports[1]


def _assert_tally_equals_raw(factory: sessionmaker[Session], periods: int = 25) -> None:
    counted = 0
    with factory() as session:
        for period in _periods(periods):
            tallied, raw = _both(session, period)
            assert tallied == raw, period
            counted += sum(figure.count for figure in raw.figures.values())
    assert counted, "the periods hold events"


def test_summary_from_tally_equals_summary_from_raw_events(fresh_url: str) -> None:
    factory = _load(fresh_url, first_seed=9_100_000)
    _assert_tally_equals_raw(factory)
    with transaction(factory) as session:
        assert compact_tallies(session) > 0  # the shards' copies, folded together
    _assert_tally_equals_raw(factory)


def test_migration_fills_the_tally_from_the_recorded_timeline(fresh_url: str) -> None:
    factory = _load(fresh_url, first_seed=9_200_000)
    with factory() as session:
        year = _both(session, (date(2025, 11, 1), date(2026, 11, 1), END, ZoneInfo("UTC"), None))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", fresh_url)
    command.downgrade(config, "0007")
    upgrade_database(fresh_url)
    with factory() as session:
        assert (
            _both(session, (date(2025, 11, 1), date(2026, 11, 1), END, ZoneInfo("UTC"), None))
            == year
        )
        keys = select(ReportTallyRecord.span, ReportTallyRecord.bucket_at, ReportTallyRecord.centre,
                      ReportTallyRecord.figure, ReportTallyRecord.actor, ReportTallyRecord.role,
                      ReportTallyRecord.hours_x100)  # fmt: skip
        rows = session.scalar(select(func.count()).select_from(ReportTallyRecord))
        assert rows == session.scalar(select(func.count()).select_from(keys.distinct().subquery()))
    _assert_tally_equals_raw(factory, periods=10)


def test_replayed_and_retried_events_change_no_tally(fresh_url: str) -> None:
    upgrade_database(fresh_url)
    factory = make_session_factory(make_engine(fresh_url))
    lives = list(generate.lives(9_300_000, 8, END))
    with transaction(factory) as session:
        for case, events in lives:
            # A retry after a partial projection, then the whole batch again.
            half = events[: len(events) // 2]
            record_case_events(
                session=session, case=case, events=half, identity_key=TEST_IDENTITY_KEY
            )
            record_case_events(
                session=session, case=case, events=events, identity_key=TEST_IDENTITY_KEY
            )
    snapshot = _tally(factory)
    with transaction(factory) as session:
        for case, events in lives:
            record_case_events(
                session=session, case=case, events=events, identity_key=TEST_IDENTITY_KEY
            )
    assert _tally(factory) == snapshot
    with transaction(factory) as session:
        session.execute(delete(ReportTallyRecord))
        backfill_tallies(session)
    assert _tally(factory) == snapshot
    _assert_tally_equals_raw(factory, periods=10)


def _tally(factory: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with factory() as session:
        return sorted(
            tuple(row)
            for row in session.execute(
                select(
                    ReportTallyRecord.span,
                    ReportTallyRecord.bucket_at,
                    ReportTallyRecord.centre,
                    ReportTallyRecord.figure,
                    ReportTallyRecord.actor,
                    ReportTallyRecord.role,
                    ReportTallyRecord.hours_x100,
                    ReportTallyRecord.count,
                    ReportTallyRecord.amount_cents,
                )
            )
        )


def _figure_name(key: Key) -> str:
    if key.figure == ACTIVITY:
        return f"activity.{key.role}.{key.actor}"
    return key.figure.replace("time_to_act.", "median_hours.")


def test_cases_behind_each_figure_are_those_the_raw_events_count(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the figure's events (sparse) and by walking the cases (dense) alike."""
    factory = _load(fresh_url, first_seed=9_400_000)
    with factory() as session:
        for period in _periods(6):
            period_from, period_to, as_of, tz, centre = period
            start, end = period_bounds(period_from, period_to, as_of, tz)
            expected: dict[str, set[str]] = defaultdict(set)
            for case_id, item in count_raw(session, start, end, centre):
                expected[_figure_name(item.key)].add(case_id)
            report = summary_report(
                session=session, period_from=period_from, period_to=period_to, as_of=as_of,
                tz=tz, centre=centre,
            )  # fmt: skip
            names = [*report.figures, *(f"median_hours.{n}" for n in report.time_to_act)]
            names += [f"activity.{a.role}.{a.actor}" for a in report.activity]
            assert set(expected) <= set(names)
            for name, sparse_events in itertools.product(names, (0, 10**9)):
                monkeypatch.setattr(case_ids, "SPARSE_EVENTS", sparse_events)
                paged = _paged(session, name, start, end, centre)
                assert paged == sorted(expected[name]), (name, sparse_events)


def _paged(
    session: Session, figure: str, start: datetime, end: datetime, centre: str | None
) -> list[str]:
    ids: list[str] = []
    while page := figure_case_ids(
        session=session, figure=figure, start=start, end=end, centre=centre,
        after=ids[-1] if ids else "", limit=7,
    ):  # fmt: skip
        ids += page
    return ids


def test_a_period_is_whole_months_days_and_hours_and_edges_under_an_hour() -> None:
    tz = ZoneInfo("Asia/Kathmandu")  # UTC+5:45
    start = datetime(2026, 1, 1, tzinfo=tz)
    end = datetime(2027, 1, 1, tzinfo=tz)
    pieces = cut(start, end)
    spans = [span for span, _, _ in pieces.tallied]
    assert spans.count("month") == 1 and len(pieces.raw) == 2
    assert all(b - a < timedelta(hours=1) for a, b in pieces.raw)
    covered = sorted([*((a, b) for _, a, b in pieces.tallied), *pieces.raw])
    assert covered[0][0] == start and covered[-1][1] == end
    assert all(left[1] == right[0] for left, right in itertools.pairwise(covered))


def test_a_median_reads_a_bounded_number_of_keys_however_many_durations(
    session_factory: sessionmaker[Session],
) -> None:
    """A year of 600 distinct times to act (a province's spread): the report reads their
    decades, then at most 9 leading digits and 10 bins per middle rank, and its median is
    the one every bin gives."""
    centre = f"centre-{uuid.uuid4().hex[:8]}"
    figure = TIME_FIGURES[0]
    dice = random.Random(21)
    hours = [dice.choice((1, 10, 100, 1000, 10_000)) * dice.randrange(10, 100) for _ in range(3000)]
    counted = [
        Counted(
            Key(figure, hours_x100=value),
            datetime(2025, 1 + i % 12, 1 + i % 28, i % 24, tzinfo=UTC),
        )
        for i, value in enumerate(hours)
    ]
    rows = [
        {"span": span, "bucket_at": at, "centre": centre, "figure": key.figure, "actor": "",
         "role": "", "hours_x100": key.hours_x100, "count": sums.count, "amount_cents": None}
        for (span, at, _, key), sums in bucketed(counted, centre).items()
    ]  # fmt: skip
    with transaction(session_factory) as session:
        session.execute(insert(ReportTallyRecord), rows)  # as the projection would add them
    every_bin: dict[Key, Sums] = defaultdict(Sums)
    for item in counted:
        every_bin[item.key].add(1, None)
    assert len(every_bin) > 400

    reads = TallyReads()
    with session_factory() as session:
        report = summary_report(
            session=session, period_from=date(2025, 1, 1), period_to=date(2025, 12, 31),
            as_of=END, tz=ZoneInfo("UTC"), centre=centre, reads=reads,
        )  # fmt: skip

    measure = report.time_to_act[figure.removeprefix("time_to_act.")]
    expected = _time_to_act(every_bin, figure)
    assert (measure.measured, measure.median_hours) == (3000, expected.median_hours)
    decades = 5
    assert reads.keys <= decades + 2 * (9 + 10)
