"""Record the history that tests/campaigns/test_campaign_replay.py replays: one whole
campaign (selection in pages, a household added during the window, every rung, closing)
on the time-skipping server with the real activities on a scratch SQLite database.

    .venv/bin/python -m tests.campaigns.record_history

Re-record only when the recorded history no longer needs to replay (no campaign of the
old code is running anywhere; docs/workflow-versioning.md)."""

from __future__ import annotations

import asyncio
import gzip
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from casework.binaries import find_binary
from casework.crypto import data_converter
from casework.temporal import build_worker
from services.campaigns.work import AddHouseholds
from services.db import make_engine, make_session_factory
from services.migrate import upgrade_database
from tests.campaigns.support import SUPERVISOR, Register, local_today
from tests.conftest import TEST_IDENTITY_KEY, TEST_VAULT
from workflows.campaign import CampaignWorkflow
from workflows.campaign_contract import CampaignStart
from workflows.ids import campaign_workflow_id

HISTORY = Path(__file__).resolve().parent / "histories" / "campaign.json.gz"


async def record() -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/casework.db"
    upgrade_database(url)
    factory = make_session_factory(make_engine(url))
    register = Register.new(factory)
    register.staff("li", "城关镇")
    for name, category in (("李桂兰", "martyr_family"), ("张伟", "disabled_veteran"),
                           ("王芳", "illness_death_family")):  # fmt: skip
        register.person(name, category, "城关镇")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(TEST_VAULT),
    )
    campaign_id = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(
            env.client, task_queue="record", session_factory=factory,
            identity_key=TEST_IDENTITY_KEY, activity_executor=executor,
        )  # fmt: skip
        async with worker:
            plan = register.plan(local_today() + timedelta(days=9))
            handle = await env.client.start_workflow(
                CampaignWorkflow.run,
                CampaignStart(campaign_id=campaign_id, plan=plan, page_size=2),
                id=campaign_workflow_id(campaign_id),
                task_queue="record",
            )
            await handle.execute_update(CampaignWorkflow.opened)
            latecomer = register.person("孙秀英", "martyr_family", "城关镇")
            await handle.execute_update(
                CampaignWorkflow.add_households,
                AddHouseholds(person_ids=[latecomer], actor=SUPERVISOR),
            )
            await handle.result()
            history = await handle.fetch_history()
    await env.shutdown()
    HISTORY.write_bytes(gzip.compress(history.to_json().encode(), mtime=0))
    print(f"{HISTORY}: {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(record())
