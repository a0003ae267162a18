"""Metrics after a scripted day of work, scraped from each process as Prometheus would.

A stack of its own (the API and the worker each serve ``/metrics`` on a port of their
own) with clocks shortened to seconds: every intake's eligibility clock climbs the whole
ladder before anyone decides, and a legal matter's referral clock warns at once. Then the
day's steps, and each metric must show what the day implies.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from casework.probes import free_port, wait_until_ready
from tests.e2e.stack import BIN, Stack
from tests.e2e.test_source_year import eventually
from tests.test_monitoring import monitored_metrics

pytestmark = pytest.mark.e2e

# Eligibility: breached 2 s after intake, then a rung up every 2 s (assignee, supervisor,
# centre head). Legal referral: due in an hour and a second, warned an hour before.
CLOCKS = {
    "eligibility": {"duration": 2, "unit": "seconds", "escalate_every": 2, "warn_hours": 0},
    "legal_referral": {"duration": 3601, "unit": "seconds", "escalate_every": 60, "warn_hours": 1},
}
RUNGS = ("assignee", "supervisor", "centre_head")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class MeteredStack(Stack):
    api_metrics_port: int = field(default_factory=free_port)
    worker_metrics_port: int = field(default_factory=free_port)

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "CLOCK_POLICY": json.dumps(CLOCKS)}

    def start_worker(self) -> None:
        self.start(
            "worker", str(BIN / "casework"), "worker",
            env={"METRICS_PORT": str(self.worker_metrics_port)},
        )  # fmt: skip

    def start_api(self) -> None:
        self.start(
            "api", str(BIN / "casework"), "api", env={"METRICS_PORT": str(self.api_metrics_port)}
        )
        wait_until_ready(self.api_url)


def scrape(port: int) -> Samples:
    """Every sample of a ``/metrics`` page, by name and labels."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def alarms(samples: Samples, clock: str, alarm: str, rung: str) -> float:
    return value(samples, "casework_clock_alarms_total", clock=clock, alarm=alarm, rung=rung)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of ``name`` that has ``labels`` (others free)."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeteredStack]:
    workdir = tmp_path_factory.mktemp("metered")
    stack = MeteredStack(workdir=workdir, database_url=f"sqlite:///{workdir / 'casework.db'}")
    stack.start_all()
    yield stack
    stack.stop_all()


@pytest.fixture
async def staff(metered: MeteredStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=metered.api_url, timeout=30, headers=metered.headers("staff")
    ) as client:
        yield client


async def _intake(staff: httpx.AsyncClient, marker: str, need: str) -> str:
    body = {"claimant": {"name": f"Day {marker}", "category": "veteran"}, "needs": [need]}
    response = await staff.post("/cases", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _step(staff: httpx.AsyncClient, path: str, body: dict[str, object], **kw: object) -> None:
    response = await staff.post(path, json=body, **kw)  # type: ignore[arg-type]
    assert response.is_success, response.text


async def test_a_day_of_work_shows_in_every_metric(
    metered: MeteredStack, staff: httpx.AsyncClient
) -> None:
    marker = uuid.uuid4().hex[:8]
    # Morning: four intakes (one a legal case) and one refused for a bad category.
    closed, active, assessed, legal = [
        await _intake(staff, f"{marker}-{n}", need)
        for n, need in enumerate(["job_referral", "job_referral", "training", "legal_aid"])
    ]
    bad = {"claimant": {"name": "Bad", "category": "pirate"}, "needs": ["job_referral"]}
    assert (await staff.post("/cases", json=bad)).status_code == 422
    assert (await staff.get(f"/cases/{uuid.uuid4()}")).status_code == 404

    # Nobody decides eligibility in time: each intake's clock reaches the centre head.
    def climbed(samples: Samples) -> bool:
        return alarms(samples, "eligibility", "breached", "centre_head") == 4

    await eventually(
        lambda: _scrape(metered.worker_metrics_port),
        climbed,
        what="every clock at the top rung",
        within=60,
    )

    # Afternoon: decisions (late, with a reason), a lawyer and a legal matter recorded.
    late = {"late_reason": "backlog after the holiday"}
    for case_id in (closed, active, assessed):
        await _step(staff, f"/cases/{case_id}/assessment/start", {})
    await _step(
        staff, f"/cases/{closed}/assessment", {"accepted": False, "reason": "not eligible", **late}
    )
    await _step(staff, f"/cases/{active}/assessment", {"accepted": True, **late})
    supervisor = metered.headers("supervisor")
    lawyer = {"lawyer": metered.lawyer(f"lawyer-{marker}")}
    await _step(staff, f"/cases/{legal}/lawyer", lawyer, headers=supervisor)
    matter = await staff.post(
        f"/cases/{legal}/legal-matters",
        json={"infringement": "wages withheld", "infringer": f"Firm {marker}"},
    )
    assert matter.status_code == 201, matter.text

    def warned(samples: Samples) -> bool:
        return alarms(samples, "legal_referral", "warned", "assignee") == 1

    worker = await eventually(
        lambda: _scrape(metered.worker_metrics_port),
        warned,
        what="the legal referral warned",
        within=30,
    )
    # The warning's messages are queued after its event is projected (a step of their own).
    undelivered = ("queued", "sending", "dead")

    def queued(samples: Samples) -> float:
        return sum(value(samples, "casework_notifications", status=name) for name in undelivered)

    await eventually(
        lambda: _scrape(metered.api_metrics_port),
        lambda samples: queued(samples) == 4 * len(RUNGS) + 1,
        what="the warning's message queued",
        within=30,
    )
    cases = [(await staff.get(f"/cases/{id_}")).json() for id_ in (closed, active, assessed, legal)]
    api = scrape(metered.api_metrics_port)

    # The API: requests by route template and status, and how long they took.
    requests = "casework_http_requests_total"
    assert value(api, requests, method="POST", route="/cases", status="201") == 4
    assert value(api, requests, method="POST", route="/cases", status="422") == 1
    assert value(api, requests, method="GET", route="/cases/{case_id}", status="404") == 1
    assert value(api, requests, method="GET", route="/cases/{case_id}", status="200") == 4
    assert total(api, requests, route="/cases/{case_id}/assessment/start") == 3
    timed = {"method": "POST", "route": "/cases"}
    assert value(api, "casework_http_request_duration_seconds_count", **timed) == 5
    assert value(api, "casework_http_request_duration_seconds_sum", **timed) > 0
    routes = {dict(labels).get("route") for name, labels in api if name == requests}
    assert not any(closed in str(route) for route in routes), "a case id became a label"

    # The read model, counted at scrape time.
    assert value(api, "casework_open_cases", stage="intake") == 1
    assert value(api, "casework_open_cases", stage="assessment") == 1
    assert value(api, "casework_open_cases", stage="active") == 1
    assert value(api, "casework_intake_holds", state="held") == 0
    # Queued, or (the worker's dispatcher tried them: no one here has contact details)
    # dead-lettered; none sent.
    assert queued(api) == 4 * len(RUNGS) + 1
    assert value(api, "casework_notifications", status="sent") == 0
    assert value(api, "casework_read_model_up") == 1

    # The worker: every event projected once, its lag, and the clocks' alarms.
    events = sum(case["version"] for case in cases)
    assert value(worker, "casework_projected_events_total") == events
    assert value(worker, "casework_projection_lag_seconds_count") == events
    assert value(worker, "casework_projection_failures_total") == 0
    for rung in RUNGS:
        assert alarms(worker, "eligibility", "breached", rung) == 4
    assert total(worker, "casework_clock_alarms_total") == 4 * len(RUNGS) + 1

    # The Temporal SDK's own metrics: the worker polls and runs tasks, the API calls.
    assert total(worker, "temporal_num_pollers") > 0
    assert total(worker, "temporal_workflow_task_queue_poll_succeed_total") > 0
    projections = {"activity_type": "project_case_events"}
    assert total(worker, "temporal_activity_execution_latency_count", **projections) > 0
    assert total(api, "temporal_long_request_total", operation="UpdateWorkflowExecution") >= 7

    # What the alert rules and the dashboard watch is all there to watch.
    scraped = {name for name, _ in (*api, *worker)}
    assert monitored_metrics() - scraped == set()


async def _scrape(port: int) -> Samples:
    return scrape(port)
