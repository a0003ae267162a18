"""Benchmark of the register and a holiday visit campaign at a prefecture's scale.

    .venv/bin/python -m bench.campaigns [--households 50000] [--database-url URL]

Starts a Temporal dev server and one `casework worker` (its own process, as deployed) on
a fresh database (SQLite in a temporary folder, or an empty PostgreSQL database), then:

1. imports the register from county spreadsheets of 5,000 rows each, through the
   service the import route calls (all rows or none, duplicate checks against the
   register so far, each person sealed under a key of their own), timing each file;
2. runs one campaign whose rule selects every household, started as the API starts it,
   timing how long until every visit is assigned (the workflow's progress query), then
   until it has closed with its figures; its window is over already, so the run closes
   right after the selection and its history is complete: its size, in events and bytes,
   is what a real campaign carries besides its rung and daily timers (a few hundred
   events more, whatever the number of households).

Prints a table and writes everything to bench/results/campaigns-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench.generate import DEFAULT_IDENTITY_KEY
from bench.register_data import TOWNSHIPS, people_rows, spreadsheet
from bench.run import RESULTS, machine
from bench.stack import Backend, BenchStack
from casework.crypto import data_converter
from casework.settings import Settings
from services.campaigns.model import CampaignPlan, Clause, SelectionRule
from services.crypto.cipher import parse_key_ring
from services.crypto.vault import Vault, install_vault
from services.db import make_engine, make_session_factory, transaction
from services.kernel.actors import Actor, Role
from services.register.imports import import_people
from services.register.model import Category
from services.register.townships import assign_township
from services.users import accounts
from services.users.model import User
from workflows.campaign import CampaignWorkflow
from workflows.campaign_client import start_campaign
from workflows.ids import campaign_workflow_id

CENTRE = "county-centre"
FILE_ROWS = 5_000
OPERATOR = Actor(id="bench-staff", role=Role.STAFF)
EVERYONE = SelectionRule(any_of=[Clause(categories=list(Category))])


def import_register(session_factory: Any, households: int, identity_key: bytes) -> list[float]:
    """The register from spreadsheets of FILE_ROWS rows; seconds per file."""
    seconds = []
    everyone = people_rows(households)
    for start in range(0, households, FILE_ROWS):
        data = spreadsheet(everyone[start : start + FILE_ROWS])
        started = time.perf_counter()
        with transaction(session_factory) as session:
            result = import_people(
                session=session, data=data, centre=CENTRE, actor=OPERATOR,
                identity_key=identity_key,
            )  # fmt: skip
        seconds.append(round(time.perf_counter() - started, 2))
        assert result.imported == FILE_ROWS, result
        print(f"  rows {start + 1}-{start + FILE_ROWS}: {seconds[-1]} s", flush=True)
    return seconds


def assign_townships(session_factory: Any, password: str) -> None:
    with transaction(session_factory) as session:
        for index, township in enumerate(TOWNSHIPS):
            username = f"bench-visitor-{index}"
            accounts.ensure_user(
                session=session, user=User(username=username, role=Role.STAFF, centre=CENTRE),
                password=password,
            )  # fmt: skip
            assign_township(
                session=session, centre=CENTRE, township=township, staff=username, actor=OPERATOR
            )


async def run_campaign(client: Client, task_queue: str, offset_minutes: int) -> dict[str, Any]:
    local_today = (datetime.now(UTC) + timedelta(minutes=offset_minutes)).date()
    yesterday = local_today - timedelta(days=1)
    plan = CampaignPlan(
        name="基准测试走访", holiday=yesterday, window_start=yesterday, window_end=yesterday,
        rule=EVERYONE, centre=CENTRE, created_by=OPERATOR.id, utc_offset_minutes=offset_minutes,
    )  # fmt: skip
    campaign_id = str(uuid.uuid4())
    started = time.perf_counter()
    await start_campaign(client, campaign_id, plan, task_queue)
    handle = client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(campaign_id))
    while not (progress := await handle.query(CampaignWorkflow.progress)).selection_done:  # noqa: ASYNC110 - polling another process
        await asyncio.sleep(0.2)
    assigned_s = time.perf_counter() - started
    result = await handle.result()
    closed_s = time.perf_counter() - started
    events = [event async for event in handle.fetch_history_events()]
    kinds = Counter(EventType.Name(event.event_type) for event in events)
    assert result.figures is not None
    return {
        "households_assigned": progress.selected,
        "assign_every_visit_s": round(assigned_s, 1),
        "closed_with_figures_s": round(closed_s, 1),
        "history_events": len(events),
        "history_bytes": sum(event.ByteSize() for event in events),
        "history_by_type": dict(kinds.most_common()),
        "figures_selected": result.figures.totals.selected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    households = max(FILE_ROWS, args.households // FILE_ROWS * FILE_ROWS)
    workdir = Path(tempfile.mkdtemp(prefix="casework-bench-campaigns-"))
    url = args.database_url or f"sqlite:///{workdir / 'casework.db'}"
    backend = Backend("postgresql" if args.database_url else "sqlite", url, "bench-campaigns")
    stack = BenchStack(workdir=workdir, backends=[backend])
    install_vault(Vault(parse_key_ring(stack.master_keys)))
    settings = Settings(database_url=url)
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(), "machine": machine(),
        "backend": backend.name, "households": households,
    }  # fmt: skip
    try:
        stack.start_temporal()
        stack.migrate(backend)
        stack.start_worker(backend)
        engine = make_engine(url)
        session_factory = make_session_factory(engine)
        print(f"importing {households} households ({backend.name})", flush=True)
        # The key the stack's processes hash with: their lookups find what this imports.
        imports = import_register(session_factory, households, DEFAULT_IDENTITY_KEY)
        results["import_s_per_5000_rows"] = imports
        assign_townships(session_factory, stack.password)
        backend.analyze()

        async def campaign() -> dict[str, Any]:
            vault = Vault(parse_key_ring(stack.master_keys))
            client = await Client.connect(
                stack.temporal_address, data_converter=data_converter(vault)
            )
            return await run_campaign(client, backend.task_queue, settings.utc_offset_minutes())

        print("running the campaign", flush=True)
        results["campaign"] = asyncio.run(campaign())
        engine.dispose()
    finally:
        stack.stop_all()
        results["log_errors"] = stack.log_errors()
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"campaigns-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
        path.write_text(json.dumps(results, indent=2, default=str))
        print(json.dumps({k: v for k, v in results.items() if k != "machine"}, indent=2))
        print(f"results: {path}")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
