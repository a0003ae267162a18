"""The recorded campaign (tests/campaigns/record_history.py) replays on the current
workflow code: a change that would strand running campaigns fails here first."""

from __future__ import annotations

import gzip

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from casework.crypto import data_converter
from tests.campaigns.record_history import HISTORY
from tests.conftest import TEST_VAULT
from workflows.campaign import CampaignWorkflow


async def test_the_recorded_campaign_replays_on_the_current_code() -> None:
    recorded = WorkflowHistory.from_json("campaign", gzip.decompress(HISTORY.read_bytes()).decode())
    replayer = Replayer(workflows=[CampaignWorkflow], data_converter=data_converter(TEST_VAULT))

    result = await replayer.replay_workflow(recorded)

    assert result.replay_failure is None
    kinds = {event.event_type for event in recorded.events}
    assert len(recorded.events) > 50 and len(kinds) > 8  # pages, an update, timers, rungs
