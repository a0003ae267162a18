"""A step's form, generated from its pydantic model: field types become inputs, enums
selects with translated labels, required fields are marked, descriptions are help text.
And back: what a form posts, as the model's input (the model itself then validates it)."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from api.console.i18n import Formats
from api.console.labels import FIELDS, message_of
from api.steps import KEY_PATTERN

HIDDEN = frozenset({"kind", "late_reason"})  # late_reason: shown when a deadline has passed
TEXTAREA_OVER = 200  # characters: longer texts get a text area
YES, NO = "true", "false"


@dataclass
class Input:
    name: str
    label: str  # message id
    widget: str  # text, textarea, lines, date, datetime, amount, select, yes_no
    required: bool
    help: str | None = None  # message id (the model's description)
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, message id)
    value: str = ""
    error: str | None = None  # message id


def _plain(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under Optional/Annotated, and the metadata found on the way."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *more = get_args(annotation)
            metadata += more
        elif origin in (Union, types.UnionType):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation, metadata


def plain_type(annotation: Any) -> Any:
    return _plain(annotation)[0]


def _max_length(info: FieldInfo, metadata: list[Any]) -> int | None:
    for item in [*info.metadata, *metadata]:
        length = getattr(item, "max_length", None)
        if length is not None:
            return int(length)
    return None


def _input(name: str, info: FieldInfo) -> Input:
    kind, metadata = _plain(info.annotation)
    required = info.is_required()
    made = Input(name, FIELDS.get(name, name), "text", required, help=info.description)
    if isinstance(kind, type) and issubclass(kind, Enum):
        made.widget = "select"
        made.options = [(member.value, message_of(member)) for member in kind]
    elif get_origin(kind) is Literal:
        made.widget = "select"
        made.options = [(str(choice), str(choice)) for choice in get_args(kind)]
    elif kind is bool:
        made.widget = "yes_no"
    elif kind is date:
        made.widget = "date"
    elif kind is datetime:
        made.widget = "datetime"
    elif kind is Decimal:
        made.widget = "amount"
    elif get_origin(kind) is list:
        made.widget = "lines"
    elif (_max_length(info, metadata) or 0) > TEXTAREA_OVER:
        made.widget = "textarea"
    return made


def inputs_of(model: type[BaseModel], *, late: bool = False) -> list[Input]:
    """The form of ``model``'s fields; its optional note last, and why late when ``late``."""
    fields = {
        name: _input(name, info) for name, info in model.model_fields.items() if name not in HIDDEN
    }
    if late:
        fields["late_reason"] = _input("late_reason", model.model_fields["late_reason"])
        fields["late_reason"].required = True
    note = fields.pop("note", None)
    return [*fields.values(), *([note] if note else [])]


def fill(inputs: list[Input], posted: dict[str, str], errors: dict[str, str]) -> list[Input]:
    for made in inputs:
        made.value = posted.get(made.name, made.value)
        made.error = errors.get(made.name)
    return inputs


def model_input(model: type[BaseModel], posted: dict[str, str], formats: Formats) -> dict[str, Any]:
    """What the form posted, typed as the model reads it; empty fields are left out."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        text = posted.get(name, "").strip()
        if name == "kind" or not text:
            continue
        kind, _ = _plain(info.annotation)
        if get_origin(kind) is list:
            values[name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif kind is datetime:
            try:
                values[name] = formats.from_local_input(text)
            except ValueError:
                values[name] = text  # the model names it
        elif get_origin(kind) is Literal and text.isdigit():
            values[name] = int(text)
        else:
            values[name] = text
    return values


def idempotency_key(posted: dict[str, str]) -> str | None:
    """The key the form was rendered with (one per form shown), if it is a valid one."""
    raw = posted.get("idempotency_key")
    return raw if raw and re.fullmatch(KEY_PATTERN, raw) else None


def version(posted: dict[str, str]) -> int | None:
    """The case version the page showed (for If-Match)."""
    raw = posted.get("version")
    return int(raw) if raw and raw.isdigit() else None
