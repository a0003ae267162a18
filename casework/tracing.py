"""Traces by OpenTelemetry: one trace from the HTTP request through the workflow update,
the activity and its database statements; off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Spans carry no personal data: SQL statements without their parameters (the SQLAlchemy
instrumentation records none), URLs without their query strings (``?text=李伟`` is a
search for a person; :class:`RedactingExporter`), and Temporal spans only names and
ids. Log lines written inside a span carry its ``trace_id`` and ``span_id``
(``casework.logging.add_trace_ids``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from sqlalchemy import Engine
from temporalio.contrib.opentelemetry import TracingInterceptor

from casework.settings import Settings

# Attributes that may hold a URL's query string, by the old and the new conventions.
_URL_ATTRIBUTES = ("http.url", "url.full", "http.target")
_QUERY_ATTRIBUTES = ("url.query",)
# A department's link is its credential (api/department): a span keeps the route only.
_LINK_ATTRIBUTES = (*_URL_ATTRIBUTES, "url.path")
_DEPARTMENT_LINK = re.compile(r"(?<=/department/)[A-Za-z0-9._-]+")
REDACTED = "[redacted]"


class RedactingExporter(SpanExporter):
    """Hands spans on with their URLs' query strings cut off. At export, not at the
    span's start: the ASGI instrumentation sets the URL on a span it has started."""

    def __init__(self, exporter: SpanExporter) -> None:
        self._exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._exporter.export([_redacted(span) for span in spans])

    def shutdown(self) -> None:
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)


def _redacted(span: ReadableSpan) -> ReadableSpan:
    attributes = dict(span.attributes or {})
    changed = False
    for key in _URL_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str) and "?" in value:
            attributes[key], changed = value.split("?", 1)[0], True
    for key in _QUERY_ATTRIBUTES:
        if key in attributes:
            attributes[key], changed = REDACTED, True
    for key in _LINK_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str) and "/department/" in value:
            attributes[key], changed = _DEPARTMENT_LINK.sub(REDACTED, value), True
    if not changed:
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def tracer_provider(service: str, exporter: SpanExporter, **batch: Any) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(RedactingExporter(exporter), **batch))
    return provider


def configure_tracing(settings: Settings, service: str) -> TracerProvider | None:
    """The process's tracer provider, exporting by OTLP/HTTP; None (no traces) unless an
    endpoint is set. Once per process, before the app, engines and clients are made."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    provider = tracer_provider(settings.otel_service_name or service, exporter)
    trace.set_tracer_provider(provider)
    return provider


def _provider(provider: TracerProvider | None) -> TracerProvider | None:
    current = provider or trace.get_tracer_provider()
    return current if isinstance(current, TracerProvider) else None


def temporal_interceptors(provider: TracerProvider | None = None) -> list[TracingInterceptor]:
    """Temporal's tracing interceptor, for a client (its workers inherit it) when traced."""
    found = _provider(provider)
    return [TracingInterceptor(tracer=found.get_tracer(__name__))] if found else []


def instrument_app(app: FastAPI, provider: TracerProvider | None = None) -> None:
    found = _provider(provider)
    if found:
        # Probes would be most of the traces and say nothing.
        FastAPIInstrumentor.instrument_app(app, tracer_provider=found, excluded_urls="health,ready")


def instrument_engine(engine: Engine, provider: TracerProvider | None = None) -> None:
    """Spans for the engine's statements (their text, never their parameters). The
    instrumentor's own ``instrument()`` patches ``create_engine`` process-wide, works once
    per process and refuses SQLAlchemy 2.1 by its declared range; its per-engine tracer
    is all we need."""
    found = _provider(provider)
    if found:
        connections = NoOpMeter(__name__).create_up_down_counter("db.client.connections.usage")
        EngineTracer(found.get_tracer(__name__), engine, connections)
