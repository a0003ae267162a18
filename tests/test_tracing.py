"""One trace per request, across the API, the workflow, the activity and the database, and
no personal data in any span; the recorded histories replay with tracing on."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from api.app import create_app
from casework.logging import add_trace_ids
from casework.settings import Settings
from casework.temporal import WORKFLOWS, build_worker
from casework.tracing import (
    configure_tracing,
    instrument_app,
    instrument_engine,
    temporal_interceptors,
)
from casework.tracing import tracer_provider as make_tracer_provider
from services.db import make_engine, make_session_factory, transaction
from services.kernel.actors import Role
from services.migrate import upgrade_database
from services.users import accounts, tokens
from services.users.model import User
from tests.conftest import TEST_IDENTITY_KEY
from tests.replay.recorded import Recorded, recorded
from tests.test_pii_at_rest import ADDRESS, canary_id, canary_phone

SECRET = "tracing-token-secret-0123456789abcdefghij"


@pytest.fixture
def traced() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    return make_tracer_provider("casework-test", exporter), exporter


@pytest.fixture
async def api(
    workflow_env: WorkflowEnvironment,
    traced: tuple[TracerProvider, InMemorySpanExporter],
    tmp_path: Path,
) -> AsyncIterator[httpx.AsyncClient]:
    """The API and a worker in this process, both traced into the in-memory exporter."""
    provider, _ = traced
    url = f"sqlite:///{tmp_path / 'traced.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    instrument_engine(engine, provider)
    session_factory = make_session_factory(engine)
    task_queue = f"traced-{uuid.uuid4()}"
    config = workflow_env.client.config()
    client = Client(**{**config, "interceptors": temporal_interceptors(provider)})
    app = create_app(
        Settings(
            database_url=url,
            auth_token_secret=SecretStr(SECRET),
            identity_hash_key=SecretStr(TEST_IDENTITY_KEY.decode()),
            temporal_task_queue=task_queue,
        )
    )
    app.state.session_factory = session_factory
    app.state.temporal = client
    instrument_app(app, provider)
    user = User(username="staff-traced", role=Role.STAFF, centre="county-centre")
    with transaction(session_factory) as session:
        accounts.add_user(session=session, user=user, password="a password")
    token = tokens.issue_token(user, secret=SECRET.encode(), minutes=15, audience="casework")
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(
            client,
            task_queue=task_queue,
            session_factory=session_factory,
            identity_key=TEST_IDENTITY_KEY,
            activity_executor=executor,
        )
        async with (
            worker,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://casework",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ) as http,
        ):
            yield http
    engine.dispose()


def _everything_in(span: ReadableSpan) -> str:
    return json.dumps(
        {
            "name": span.name,
            "attributes": dict(span.attributes or {}),
            "events": [(e.name, dict(e.attributes or {})) for e in span.events],
            "status": span.status.description,
        },
        ensure_ascii=False,
        default=str,
    )


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


async def test_an_intake_is_one_trace_from_request_to_database_without_personal_data(
    api: httpx.AsyncClient, traced: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = traced
    national_id, phone, name = canary_id(), canary_phone(), f"张{uuid.uuid4().hex[:6]}"
    claimant = {
        "name": name,
        "category": "veteran",
        "national_id": national_id,
        "phone": phone,
        "address": ADDRESS,
    }
    opened = await api.post("/cases", json={"claimant": claimant, "needs": ["job_referral"]})
    assert opened.status_code == 201, opened.text
    found = await api.get("/cases", params={"text": name})
    assert found.status_code == 200
    provider.force_flush()
    spans = exporter.get_finished_spans()

    [request] = [s for s in spans if s.name == "POST /cases" and s.parent is None]
    trace = [s for s in spans if s.context.trace_id == request.context.trace_id]
    by_id = {s.context.span_id: s for s in trace}
    names = {s.name for s in trace}
    assert any(n.startswith("StartUpdateWithStartWorkflow") for n in names), names
    assert "HandleUpdate:apply_step" in names, names
    [activity] = [s for s in trace if s.name == "RunActivity:project_case_events"]
    database = [s for s in trace if s.attributes and "db.statement" in s.attributes]
    assert any(activity.name in _ancestors(s, by_id) for s in database), "no query in it"
    assert all(_ancestors(s, by_id)[-1] == request.name for s in trace if s is not request)

    for span in spans:
        text = _everything_in(span)
        for canary in (national_id, phone, ADDRESS, name):
            assert canary not in text, f"{canary} in span {span.name}: {text}"
    [search] = [s for s in spans if s.name == "GET /cases" and s.parent is None]
    assert str((search.attributes or {}).get("http.url", "")).endswith("/cases")


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in recorded()])
async def test_recorded_histories_replay_with_tracing_on(entry: Recorded) -> None:
    provider = make_tracer_provider("replay", InMemorySpanExporter())
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=pydantic_data_converter,
        interceptors=temporal_interceptors(provider),
    )

    result = await replayer.replay_workflow(entry.history())

    assert result.replay_failure is None


def test_tracing_is_off_unless_an_otlp_endpoint_is_set() -> None:
    assert configure_tracing(Settings(_env_file=None), "casework-test") is None  # type: ignore[call-arg]
    assert temporal_interceptors() == []


def test_log_lines_written_inside_a_span_carry_its_trace_id(
    traced: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, _ = traced
    with provider.get_tracer(__name__).start_as_current_span("work") as span:
        inside = add_trace_ids(None, "info", {"event": "step recorded"})
    outside = add_trace_ids(None, "info", {"event": "idle"})

    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert "trace_id" not in outside
