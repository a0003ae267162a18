"""The year summary alone, on read models that bench/generate.py has filled: its time
and how much of the report tally it reads, without the rest of the benchmark.

    .venv/bin/python -m bench.generate --database-url sqlite:///1k.db --cases 1000
    .venv/bin/python -m bench.summary --database-url sqlite:///1k.db --database-url ...

Each database is prepared as ``bench/run.py`` prepares it before timing the summary (the
generator's shard copies of the tally folded together, then ``VACUUM ANALYZE``, as
docs/reports.md tells an operator after a bulk load); then ``summary_report`` for the
year up to the latest recorded event, in Asia/Shanghai, for the centre with most cases
(what ``GET /reports/summary`` asks for a supervisor there), is called ``--runs`` times in
process after one untimed call. Printed per database: cases, p50 and best time, CPU of
this process, the tally keys the report read and the tally rows summed into them. The
route adds the same request work at any size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from services.cases.records import CaseEventRecord, CaseRecord
from services.db import make_engine, make_session_factory, transaction
from services.reports.records import TallyReads
from services.reports.summary import summary_report
from services.reports.tallies import compact_tallies

SHANGHAI = ZoneInfo("Asia/Shanghai")


def measure(url: str, runs: int) -> dict[str, Any]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        compact_tallies(session)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        pg = engine.dialect.name == "postgresql"
        db.exec_driver_sql("VACUUM ANALYZE report_tally" if pg else "ANALYZE")
    with factory() as session:
        cases = session.scalar(select(func.count()).select_from(CaseRecord)) or 0
        centre = session.execute(
            select(CaseRecord.centre)
            .group_by(CaseRecord.centre)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        latest = session.scalar(select(func.max(CaseEventRecord.at)))
        assert latest is not None, "an empty read model"
        period_to = latest.astimezone(SHANGHAI).date()
        as_of = datetime.now(UTC)
        times: list[float] = []
        cpu: list[float] = []
        reads = TallyReads()
        for run in range(runs + 1):  # the first warms the caches and is not timed
            counted = TallyReads()
            began, began_cpu = time.perf_counter(), time.process_time()
            summary_report(
                session=session, period_from=period_to - timedelta(days=365),
                period_to=period_to, as_of=as_of, tz=SHANGHAI, centre=centre, reads=counted,
            )  # fmt: skip
            if run:
                times.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - began_cpu) * 1000)
            reads = counted
    engine.dispose()
    return {
        "database": engine.dialect.name,
        "cases": cases,
        "centre": centre,
        "p50_ms": round(statistics.median(times), 1),
        "best_ms": round(min(times), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),  # this process's: SQLite's, not PG's
        "tally_keys_read": reads.keys,
        "tally_rows_read": reads.rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for url in args.database_url:
        print(json.dumps(measure(url, args.runs)), flush=True)


if __name__ == "__main__":
    main()
