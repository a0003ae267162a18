"""Traces by OpenTelemetry: one trace from the HTTP request through the workflow update,
the activity and its database statements; off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Spans carry no personal data: SQL statements without their parameters (the SQLAlchemy
instrumentation records none), URLs without their query strings (``?text=李伟`` is a
search for a person; :class:`RedactingSpanProcessor`), and Temporal spans only names and
ids. Log lines written inside a span carry its ``trace_id`` and ``span_id``
(``casework.logging.add_trace_ids``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from sqlalchemy import Engine
from temporalio.contrib.opentelemetry import TracingInterceptor

from casework.settings import Settings

# Attributes that may hold a URL's query string, by the old and the new conventions.
_URL_ATTRIBUTES = ("http.url", "url.full", "http.target")
_QUERY_ATTRIBUTES = ("url.query",)
REDACTED = "[redacted]"


class RedactingSpanProcessor(SpanProcessor):
    """Strips query strings from a span's URLs as it starts (while it may still change)."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        attributes = span.attributes or {}
        for key in _URL_ATTRIBUTES:
            value = attributes.get(key)
            if isinstance(value, str) and "?" in value:
                span.set_attribute(key, value.split("?", 1)[0])
        for key in _QUERY_ATTRIBUTES:
            if key in attributes:
                span.set_attribute(key, REDACTED)

    def on_end(self, span: ReadableSpan) -> None:
        pass


def tracer_provider(service: str, exporter: SpanExporter, **batch: Any) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(RedactingSpanProcessor())
    provider.add_span_processor(BatchSpanProcessor(exporter, **batch))
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
    found = _provider(provider)
    if found:
        SQLAlchemyInstrumentor().instrument(engine=engine, tracer_provider=found)
