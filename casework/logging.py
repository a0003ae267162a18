"""One logging pipeline for API, worker and CLI: structlog in front, stdlib underneath.

Lines from uvicorn, temporalio and SQLAlchemy go through the same processors, so every
line carries the context bound with contextvars (request_id, case_id, workflow_id).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
import temporalio.activity
import temporalio.workflow
from opentelemetry import trace


def add_trace_ids(_: Any, __: str, event_dict: Any) -> Any:
    """The current span's ids, when a trace is being recorded (casework.tracing)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
    add_trace_ids,
    lambda _, __, event_dict: _drop_noise(event_dict),
]
_NOISE = ("color_message",)


def _drop_noise(event_dict: Any) -> Any:
    for key in _NOISE:
        event_dict.pop(key, None)
    return event_dict


# A safety net under the rule that no log line carries personal data: known fields are
# masked by name, and ID and mobile numbers by their shape wherever they appear.
PERSONAL_KEYS = frozenset(
    {"national_id", "id_number", "phone", "mobile", "address", "situation", "household"}
)
MASK = "[masked]"
_PERSONAL_PATTERNS = (
    # A department's link is its credential (api/department): never in a log line.
    re.compile(r"(?<=/department/)[A-Za-z0-9._-]+"),
    re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"),  # resident ID number
    re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])"),  # mobile
)


# Control characters in a value (a newline from a request, say) could make one event
# read as several lines on a console: they are written as escapes. A formatted traceback
# keeps its line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


# A query string's values (``?text=李伟``, percent-encoded or not) may be anything a
# client searched for: in any URL a line carries (uvicorn's access line, an HTTP client's)
# they are masked, and so are names that do not look like ours.
_QUERY_PARAMETER = re.compile(r"(?<=[?&])([^=&#\s\"'<>]*)=([^&#\s\"'<>]*)")
_QUERY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def _masked_parameter(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name if _QUERY_NAME.match(name) else MASK}={MASK}"


def mask_personal_data(_: Any, __: str, event_dict: Any) -> Any:
    """Replace personal values in a log event (and anything nested in it) by a mask."""
    return {key: _masked(key, value) for key, value in event_dict.items()}


def _masked(key: object, value: Any) -> Any:
    if isinstance(key, str) and key.lower() in PERSONAL_KEYS and value not in (None, "", []):
        return MASK
    if isinstance(value, str):
        for pattern in _PERSONAL_PATTERNS:
            value = pattern.sub(MASK, value)
        value = _QUERY_PARAMETER.sub(_masked_parameter, value)
        control = _CONTROL_BUT_NEWLINE if key == "exception" else _CONTROL
        return control.sub(_escaped, value)
    if isinstance(value, dict):
        return {k: _masked(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(None, item) for item in value]
    return value  # other objects (exc_info tuples among them) are left for the renderer


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def configure_logging(*, log_format: str = "auto", level: str = "INFO") -> None:
    use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    # A plain traceback, formatted before the masking processor sees the event: Rich's
    # (ConsoleRenderer's default when Rich is installed) would show local variables and
    # be drawn after masking.
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            mask_personal_data,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Their context goes in structured fields, not appended to the message.
    temporalio.activity.logger.activity_info_on_message = False
    temporalio.workflow.logger.workflow_info_on_message = False
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "temporalio"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
