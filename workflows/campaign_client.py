"""Starting campaigns and adding households to them, as the API does it."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from services.campaigns.model import CampaignPlan
from services.campaigns.work import AddHouseholds, HouseholdsAdded
from workflows.campaign import CampaignWorkflow
from workflows.campaign_contract import CampaignStart
from workflows.ids import campaign_workflow_id


async def start_campaign(
    client: Client, campaign_id: str, plan: CampaignPlan, task_queue: str
) -> str:
    """Start the campaign's workflow (a repeat with the same id finds the running one)
    and wait until it has recorded the campaign."""
    handle = await client.start_workflow(
        CampaignWorkflow.run,
        CampaignStart(campaign_id=campaign_id, plan=plan),
        id=campaign_workflow_id(campaign_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    return await handle.execute_update(CampaignWorkflow.opened)


async def add_households(
    client: Client, workflow_id: str, request: AddHouseholds
) -> HouseholdsAdded:
    handle = client.get_workflow_handle_for(CampaignWorkflow.run, workflow_id)
    return await handle.execute_update(CampaignWorkflow.add_households, request)
