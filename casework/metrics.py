"""Metrics for Prometheus: what each process measures, and the one port that serves them.

Every process (API, worker, ``casework dev``) serves ``/metrics`` on ``METRICS_PORT`` when
it is set, on ``METRICS_HOST``. That port is for the operator's Prometheus only: it is not
the API's port, passes no sign-in, and must not be published (docs/deployment.md).

- The API counts requests by route template, status and time (``api.metrics``).
- The worker counts projected events, their lag and failures, and clock alarms by kind
  and rung (:class:`MetricsInterceptor`, around the projection activity).
- The API reads gauges from the read model at scrape time (:class:`ReadModelCollector`):
  open cases by stage, intake holds, notifications by status.
- The Temporal SDK's own worker and client metrics (``temporal_*``) come from its runtime,
  which serves them on a loopback port of its own; :class:`TemporalRuntimeCollector`
  re-exposes them on ``METRICS_PORT``, so Prometheus scrapes one port per process.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import structlog
from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from casework.probes import free_port
from casework.settings import Settings
from services.cases.intake_holds import IntakeHoldRecord
from services.cases.model import Stage
from services.cases.records import CaseRecord
from services.cases.steps import CaseEvent, CaseEventBatch
from services.notify.outbox import OutboxRecord

log = structlog.stdlib.get_logger(__name__)

# ---- the API ---------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "casework_http_requests_total",
    "HTTP requests answered, by method, route template and status code",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "casework_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# ---- the worker ------------------------------------------------------------------------

PROJECTED_EVENTS = Counter(
    "casework_projected_events_total", "Case events written into the read model and timeline"
)
PROJECTION_LAG = Histogram(
    "casework_projection_lag_seconds",
    "Seconds from a case event's acceptance by its workflow to its projection",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
PROJECTION_FAILURES = Counter(
    "casework_projection_failures_total",
    "Projection attempts that failed (each is retried by Temporal until it succeeds)",
)
CLOCK_ALARMS = Counter(
    "casework_clock_alarms_total",
    "Clock alarms recorded: warnings before the due time and breaches up the ladder",
    ["clock", "alarm", "rung"],
)
UNSEALED_REFUSED = Counter(
    "casework_unsealed_payloads_refused_total",
    "Temporal payloads refused for not being sealed by our codec (a forged step, or a "
    "client without the keys)",
)


class MetricsInterceptor(Interceptor):
    """Measures each projection as it completes: its new events' lag, and clock alarms."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ProjectionMetrics(next)


class _ProjectionMetrics(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        batch = input.args[0] if input.args else None
        if not isinstance(batch, CaseEventBatch):
            return await super().execute_activity(input)
        try:
            added = await super().execute_activity(input)
        except Exception:
            PROJECTION_FAILURES.inc()
            raise
        # Events written before (by an earlier attempt) are a prefix of the batch, in seq
        # order; the ``added`` new ones are its tail.
        if isinstance(added, int) and added > 0:
            count_projected(batch.events[-added:], datetime.now(UTC))
        return added


def count_projected(events: Iterable[CaseEvent], now: datetime) -> None:
    for event in events:
        PROJECTED_EVENTS.inc()
        PROJECTION_LAG.observe(max(0.0, (now - event.at).total_seconds()))
        if event.step.kind == "clock_alarm" and event.clocks:
            clock = event.clocks[0]
            alarm = "breached" if clock.breached else "warned"
            CLOCK_ALARMS.labels(clock.kind.value, alarm, clock.rung or "assignee").inc()


# ---- the read model (read by the API at scrape time) -----------------------------------

OPEN_STAGES = [stage.value for stage in Stage if stage is not Stage.CLOSED]


class ReadModelCollector(Collector):
    """Gauges counted in the read model when scraped (at most every ``ttl`` seconds, so a
    busy Prometheus or several of them cost the database one set of counts)."""

    def __init__(self, ttl: float = 10.0) -> None:
        self._session_factory: sessionmaker[Session] | None = None
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Metric]] | None = None

    def watch(self, session_factory: sessionmaker[Session]) -> None:
        with self._lock:
            self._session_factory, self._cached = session_factory, None

    def describe(self) -> list[Metric]:
        return []  # collected lazily; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if self._session_factory is None:
                return
            if self._cached is None or time.monotonic() - self._cached[0] > self._ttl:
                self._cached = (time.monotonic(), self._count(self._session_factory))
            yield from self._cached[1]

    def _count(self, session_factory: sessionmaker[Session]) -> list[Metric]:
        up = GaugeMetricFamily("casework_read_model_up", "1 if the last count of it worked")
        try:
            with session_factory() as session:
                metrics = read_model_gauges(session)
        except Exception:
            log.warning("metrics: the read model could not be counted", exc_info=True)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [*metrics, up]


def read_model_gauges(session: Session) -> list[Metric]:
    now = datetime.now(UTC)
    stages = GaugeMetricFamily(
        "casework_open_cases", "Cases not closed, by stage", labels=["stage"]
    )
    counted = dict(
        session.execute(
            select(CaseRecord.stage, func.count())
            .where(CaseRecord.stage != Stage.CLOSED.value)
            .group_by(CaseRecord.stage)
        ).all()
    )
    for stage in sorted({*OPEN_STAGES, *counted}):
        stages.add_metric([stage], counted.get(stage, 0))
    holds = GaugeMetricFamily(
        "casework_intake_holds", "Intake holds on a person, held or lapsed", labels=["state"]
    )
    held = session.scalar(select(func.count()).where(IntakeHoldRecord.expires_at > now)) or 0
    total = session.scalar(select(func.count()).select_from(IntakeHoldRecord)) or 0
    holds.add_metric(["held"], held)
    holds.add_metric(["lapsed"], total - held)
    notifications = GaugeMetricFamily(
        "casework_notifications", "Notifications by delivery status", labels=["status"]
    )
    for status, count in notification_counts(session).items():
        notifications.add_metric([status], count)
    return [stages, holds, notifications]


def notification_counts(session: Session) -> dict[str, int]:
    """Messages by delivery status (queued, sending, sent, dead: services/notify)."""
    status = OutboxRecord.status
    rows = session.execute(select(status, func.count()).group_by(status)).all()
    return {str(name): count for name, count in rows}


READ_MODEL = ReadModelCollector()

# ---- the Temporal SDK's metrics ---------------------------------------------------------


class TemporalRuntimeCollector(Collector):
    """The SDK runtime's Prometheus metrics, read from its loopback port at scrape time."""

    def __init__(self, url: str) -> None:
        self._url = url

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            with urllib.request.urlopen(self._url, timeout=5) as response:  # noqa: S310 - loopback
                text = response.read().decode()
        except OSError:
            log.warning("metrics: the Temporal runtime did not answer", url=self._url)
            return
        yield from text_string_to_metric_families(text)


_started = threading.Lock()
_serving: dict[str, Any] = {}


def start_metrics(settings: Settings) -> None:
    """Serve ``/metrics`` on ``METRICS_PORT`` (once per process; no port: nothing), with
    the Temporal runtime's metrics. Call before the first Temporal client connects."""
    if settings.metrics_port is None:
        return
    with _started:
        if _serving:
            return
        runtime_port = free_port()
        runtime = Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(
                    bind_address=f"127.0.0.1:{runtime_port}", durations_as_seconds=True
                )
            )
        )
        Runtime.set_default(runtime, error_if_already_set=False)
        REGISTRY.register(TemporalRuntimeCollector(f"http://127.0.0.1:{runtime_port}/metrics"))
        server, thread = start_http_server(settings.metrics_port, addr=settings.metrics_host)
        _serving.update(server=server, thread=thread, runtime=runtime)
        log.info("metrics served", address=f"{settings.metrics_host}:{settings.metrics_port}")


REGISTRY.register(READ_MODEL)
