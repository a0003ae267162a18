"""Temporal client and worker wiring."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import TLSConfig
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.campaigns import CampaignActivities
from activities.deadlines import DeadlineActivities
from activities.projection import ProjectionActivities
from activities.reassignment import ReassignmentActivities
from casework.crypto import data_converter, database_case_keys, ensure_vault
from casework.metrics import MetricsInterceptor
from casework.settings import Settings
from casework.tracing import temporal_interceptors
from services.deadlines.calendar import DEFAULT_DIRECTORY as DEFAULT_CALENDARS
from services.deadlines.policy import policy_with
from workflows.campaign import CampaignWorkflow
from workflows.campaign_schedules import CampaignSchedules
from workflows.case import CaseWorkflow
from workflows.client import CaseSteps
from workflows.ids import case_id_from_workflow_id
from workflows.legal_matter import LegalMatterWorkflow
from workflows.reassignment import ReassignmentWorkflow
from workflows.search_attributes import ALL_KEYS

WORKFLOWS = [CaseWorkflow, LegalMatterWorkflow, CampaignWorkflow, ReassignmentWorkflow]
CHINA_UTC_OFFSET_MINUTES = 480


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(
            ensure_vault(settings),
            database_case_keys(settings),
            seal_with_case_keys=settings.temporal_case_keys,
            accept_unsealed=settings.temporal_accept_unsealed,
        ),
        tls=tls_config(settings),
        # Traced when tracing is configured; workers made with this client inherit it.
        interceptors=temporal_interceptors(),
    )


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS to Temporal when a client certificate is set (deploy/certs.sh makes them)."""
    if settings.temporal_tls_cert is None and settings.temporal_tls_ca is None:
        return False
    return TLSConfig(
        server_root_ca_cert=_read(settings.temporal_tls_ca),
        client_cert=_read(settings.temporal_tls_cert),
        client_private_key=_read(settings.temporal_tls_key),
        domain=settings.temporal_tls_server_name,
    )


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path else None


async def register_search_attributes(client: Client, namespace: str) -> None:
    """Register the case search attributes on servers started without them (idempotent)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in ALL_KEYS
            },
        )
    )


def build_worker(
    client: Client,
    *,
    task_queue: str,
    session_factory: sessionmaker[Session],
    identity_key: bytes,
    activity_executor: ThreadPoolExecutor,
    deadlines: DeadlineActivities | None = None,
) -> Worker:
    """A worker for the case workflows; ``deadlines`` defaults to the shipped calendars,
    China's UTC+8 and the default clock policy."""
    projection = ProjectionActivities(session_factory, identity_key)
    deadlines = deadlines or DeadlineActivities(
        session_factory, DEFAULT_CALENDARS, CHINA_UTC_OFFSET_MINUTES, policy_with()
    )
    campaigns = CampaignActivities(session_factory, CampaignSchedules(client, task_queue))
    reassignments = ReassignmentActivities(session_factory, CaseSteps(client))
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            projection.project_case_events,
            projection.allocate_case_number,
            deadlines.load_deadline_rules,
            deadlines.notify,
            *campaign_activities(campaigns),
            reassignments.list_open_cases,
            reassignments.move_cases,
        ],
        activity_executor=activity_executor,
        # The value types and date windows are pure: shared with the code outside the
        # sandbox rather than imported again into it, they validate as the API's do.
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(
                "services.kernel.values", "services.kernel.plausible"
            )
        ),
        interceptors=[LogContextInterceptor(), MetricsInterceptor()],
        # On shutdown, running activities get this long to finish before they are cancelled.
        graceful_shutdown_timeout=timedelta(seconds=30),
    )


def campaign_activities(campaigns: CampaignActivities) -> list[Any]:
    return [
        campaigns.open_campaign,
        campaigns.select_households,
        campaigns.add_households,
        campaigns.sound_rung,
        campaigns.close_campaign,
        campaigns.keep_schedule_ahead,
    ]


class LogContextInterceptor(Interceptor):
    """Binds workflow_id and case_id to every log line written while an activity runs."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogContext(next)


class _ActivityLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        context = {
            "workflow_id": info.workflow_id,
            "case_id": case_id_from_workflow_id(info.workflow_id or ""),
            "activity": info.activity_type,
            "attempt": info.attempt,
        }
        # The SDK copies this context into the thread that runs a sync activity.
        with structlog.contextvars.bound_contextvars(**context):
            return await super().execute_activity(input)
