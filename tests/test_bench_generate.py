"""The benchmark's generator writes cases that the product itself accepts: timelines whose
hash chains verify, and a read model that answers for them. It is run by `make bench`
only, so without this test it could rot unseen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench import generate
from services.cases.audit import case_history, verify_all
from services.cases.lifecycle import Stage
from services.cases.queries import CaseFilter, get_case, list_cases
from services.cases.records import CaseEventRecord, CaseRecord
from services.reports.case_ids import figure_case_ids
from services.reports.summary import period_bounds, summary_report
from tests.conftest import TEST_IDENTITY_KEY, TEST_MASTER_KEY_RING

END = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
CASES = 40


def test_generated_cases_verify_and_read_back(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    first_seed = 7_000_000 + (1000 if database_url.startswith("postgresql") else 0)
    with session_factory() as session:
        before = session.scalar(select(func.count()).select_from(CaseRecord)) or 0

    stats = generate.load(
        [database_url],
        cases=CASES,
        master_keys=TEST_MASTER_KEY_RING,
        first_seed=first_seed,
        end=END,
        batch_size=15,  # several shards, so that their merge is tested too
        processes=1,
        identity_key=TEST_IDENTITY_KEY,
    )

    assert stats.cases == CASES
    assert stats.events > CASES * 3  # lived cases, not bare intakes
    expected = list(generate.lives(first_seed, CASES, END))
    ids = {case.id for case, _ in expected}
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CaseRecord)) == before + CASES
        for verification in verify_all(session=session):
            if verification.case_id in ids:
                assert verification.ok, verification
        for case, events in expected:
            assert get_case(session=session, case_id=case.id) == case
            # Personal fields are sealed at rest and open again with the same master ring.
            assert [e.step for e in case_history(session=session, case_id=case.id)] == [
                e.step for e in events
            ]
        recorded = session.scalar(
            select(func.count())
            .select_from(CaseEventRecord)
            .where(CaseEventRecord.case_id.in_(ids))
        )
        assert recorded == stats.events
        _read_model_answers(session, expected)


def _read_model_answers(session: Session, expected: list[generate.Life]) -> None:
    active = {case.id for case, _ in expected if case.stage is Stage.ACTIVE}
    assert active, "a realistic year leaves cases in progress"
    listed = list_cases(session=session, limit=1000, where=CaseFilter(stage=Stage.ACTIVE))
    assert active <= {item.id for item in listed.items}
    year = summary_report(
        session=session,
        period_from=date(2025, 11, 1),
        period_to=date(2026, 11, 1),
        as_of=END + timedelta(days=1),
        tz=ZoneInfo("Asia/Shanghai"),
    )
    placed = {
        case.id
        for case, events in expected
        if any(event.type == "placement_recorded" for event in events)
    }
    assert placed, "a realistic year places someone"
    start, end = period_bounds(
        date(2025, 11, 1), date(2026, 11, 1), END + timedelta(days=1), ZoneInfo("Asia/Shanghai")
    )
    placed_ids = figure_case_ids(
        session=session, figure="placements", start=start, end=end, centre=None, limit=100_000
    )
    assert year.figures["placements"].count >= len(placed)
    assert placed <= set(placed_ids)
    assert year.activity, "every step records who took it"
