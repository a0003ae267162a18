"""Every list filter, the duplicate check and the report's scans are served by an index.

Plans are read with sequential scans disabled, so that the planner picks the index it
would use on a large table; each filter must be answered by its own index.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, Select, select, text

from bench import generate
from services.cases.duplicates import candidates
from services.cases.lifecycle import Stage
from services.cases.model import ClaimantCategory, Need
from services.cases.queries import CaseFilter, _filtered
from services.cases.records import CaseEventRecord, CaseRecord, CaseTaskRecord
from services.cases.search import search_key
from services.db import make_engine
from services.deadlines.records import EscalationRecord
from services.migrate import upgrade_database
from services.reports.case_ids import figure_query, sparseness_probe
from tests.conftest import (
    PG_URL,
    TEST_IDENTITY_KEY,
    TEST_MASTER_KEY_RING,
    _fresh_postgres_database,
)

T = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
FILTERS = {
    "stage": (CaseFilter(stage=Stage.ACTIVE), "ix_cases_stage_opened_at"),
    "category": (CaseFilter(category=ClaimantCategory.VETERAN), "ix_cases_category_opened_at"),
    "need": (CaseFilter(need=Need.LEGAL_AID), "ix_case_need_need_case_id"),
    "lawyer": (CaseFilter(lawyer="lawyer-1"), "ix_cases_lawyer_opened_at"),
    "intake_by": (CaseFilter(intake_by="staff-1"), "ix_cases_intake_by_opened_at"),
    "centre": (CaseFilter(centre="county-centre"), "ix_cases_centre_opened_at"),
    "opened_between": (CaseFilter(opened_from=T, opened_to=T), "ix_cases_opened_at_id"),
    "closed_between": (CaseFilter(closed_from=T, closed_to=T), "ix_cases_closed_at"),
    # Names and summaries are sealed: texts are found through their keyed search terms.
    "text": (CaseFilter(text="li wei"), "pk_case_search_term"),
    "initials": (CaseFilter(text="wjg"), "pk_case_search_term"),
    "overdue": (CaseFilter(overdue=True), "ix_cases_overdue_opened_at"),
    "owner": (CaseFilter(owner="staff-1", open=True), "ix_cases_owner_opened_at"),
    "national_id": (CaseFilter(national_id="11010519491231002X"), "ix_cases_national_id_hash"),
    "phone": (CaseFilter(phone="13800138000"), "ix_cases_phone_hash"),
}


def _plan(engine: Engine, query: Select) -> str:  # type: ignore[type-arg]
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(connection.execute(text(f"EXPLAIN {compiled}")).scalars())


@pytest.fixture
def pg_engine(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL, the production database")
    return engine


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_each_case_filter_is_answered_by_its_index(pg_engine: Engine, name: str) -> None:
    where, index = FILTERS[name]

    plan = _plan(
        pg_engine,
        _filtered(select(CaseRecord.id), where, search_key(TEST_IDENTITY_KEY), TEST_IDENTITY_KEY),
    )

    assert "Seq Scan" not in plan, plan
    assert index in plan, plan


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            select(CaseEventRecord).where(CaseEventRecord.at >= T, CaseEventRecord.at < T),
            "ix_case_event_at",
        ),
        (
            select(CaseTaskRecord).where(CaseTaskRecord.assignee == "staff-1"),
            "ix_case_task_assignee_since",
        ),
        (
            select(EscalationRecord)
            .where(EscalationRecord.centre == "county-centre")
            .order_by(EscalationRecord.due_at),
            "ix_escalation_centre_due_at",
        ),
    ],
    ids=["report_period_scan", "tasks_of_a_person", "escalations_of_a_centre"],
)
def test_report_and_task_scans_use_their_indexes(
    pg_engine: Engine, query: Select, index: str
) -> None:  # type: ignore[type-arg]
    plan = _plan(pg_engine, query)

    assert "Seq Scan" not in plan, plan
    assert index in plan, plan


def test_the_duplicate_check_looks_up_each_key_by_its_index(engine: Engine) -> None:
    """Not the centre's whole caseload: that grows with every case the centre opens."""
    keys = {"national_id_hash": "h1", "phone_hash": "h2", "birth_date": T.date()}
    query = candidates(*keys, of_centre=True).params(keys, centre="county-centre")

    if engine.dialect.name == "postgresql":
        plan = _plan(engine, query)
    else:
        compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
        with engine.connect() as connection:
            rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        plan = "\n".join(str(row[-1]) for row in rows)

    for index in ("ix_cases_national_id_hash", "ix_cases_phone_hash", "ix_cases_birth_date"):
        assert index in plan, plan
    assert "ix_cases_centre_opened_at" not in plan, plan


@pytest.fixture(scope="module")
def caseload() -> Iterator[Engine]:
    """A database of its own with a year of cases in it, its statistics up to date: which
    index serves a sparse figure depends on how rare its events are."""
    if not PG_URL:
        pytest.skip("query plans are checked on PostgreSQL, the production database")
    url, admin, name = _fresh_postgres_database(PG_URL)
    upgrade_database(url)
    generate.load(
        [url], cases=200, master_keys=TEST_MASTER_KEY_RING, first_seed=9_700_000, end=END,
        processes=1, identity_key=TEST_IDENTITY_KEY,
    )  # fmt: skip
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize(
    "figure", ["fee_relief_granted", "legal_referred.justice", "retention.30.employed"]
)
def test_a_sparse_figure_s_cases_are_read_from_its_events_not_the_caseload(
    caseload: Engine, figure: str
) -> None:
    start = END - timedelta(days=365)
    probe = sparseness_probe(figure, start, END)
    page = figure_query(figure, start, END, "county-centre", "", sparse=True).limit(100)

    for query in (probe, page):
        plan = _plan(caseload, query)
        assert "ix_case_event_type_at" in plan, plan
        # Cases are looked up by the events' ids, never walked in id order.
        walk = "Index Scan using pk_cases on cases"
        assert walk not in plan or "Index Cond: ((id)::text = (case_event.case_id)" in plan, plan
