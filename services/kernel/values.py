"""Value types shared by every domain: bounded text, money, moments, the step base."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

# Text that enters the system passes one boundary: normalised to NFC, trimmed, bounded in
# characters, and refused when it holds what no person types and some store cannot keep
# (NUL, which PostgreSQL text refuses; other controls; lone surrogates, which UTF-8 cannot
# encode; in names, the bidirectional overrides that make a name read other than it is).
# As regular expression text (the schema states the same pattern), not as characters.
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 and C1, but tab, newline, return
_LINE_BREAKS = r"\t\n\r"
_SURROGATES = r"\ud800-\udfff"
_BIDI_OVERRIDES = r"\u202a-\u202e\u2066-\u2069"
_STORED: ContextVar[bool] = ContextVar("stored_values", default=False)


@contextmanager
def stored_values() -> Iterator[None]:
    """Values read back from where they were kept (workflow histories, the read model) are
    taken as they were accepted: a value accepted before a refusal existed still reads."""
    token = _STORED.set(True)
    try:
        yield
    finally:
        _STORED.reset(token)


def reading_stored() -> bool:
    """Whether values are being read back (:func:`stored_values`), not received."""
    return _STORED.get()


def _refused(*, lines: bool, name: bool, surrogates: bool = True) -> str:
    # The schema's pattern leaves the surrogates out: JSON Schema's regular expressions
    # cannot name them (a generator would ignore the whole pattern), and a lone one is
    # not valid text to begin with (pydantic refuses it before this boundary).
    return (
        _CONTROLS
        + ("" if lines else _LINE_BREAKS)
        + (_SURROGATES if surrogates else "")
        + (_BIDI_OVERRIDES if name else "")
    )


def _cleaner(*, lines: bool, name: bool) -> Any:
    refused = re.compile(f"[{_refused(lines=lines, name=name)}]")

    def clean(value: str) -> str:
        if _STORED.get():
            return value
        bad = refused.search(value)
        if bad is not None:
            what = "a bidirectional override" if bad.group() in _BIDI_CHARS else "a control"
            raise ValueError(
                f"must not contain {what} character (U+{ord(bad.group()):04X}, at {bad.start()})"
            )
        if lines:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return unicodedata.normalize("NFC", value)

    return clean


_BIDI_CHARS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def text_type(
    max_length: int, *, lines: bool = False, name: bool = False, min_length: int = 1
) -> Any:
    """A bounded text: ``lines`` lets newlines and tabs in (long text), ``name`` refuses
    the bidirectional overrides too. The schema states what is refused, as a pattern, so
    that a request valid by the schema is not refused by the code."""
    refused = _refused(lines=lines, name=name, surrogates=False)
    # At least one character that is neither refused nor white space (it is trimmed).
    pattern = f"^[^{refused}]*[^\\s{refused}][^{refused}]*$" if min_length else f"^[^{refused}]*$"
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_cleaner(lines=lines, name=name)),
        Field(json_schema_extra={"pattern": pattern}),
    ]


if TYPE_CHECKING:
    ShortText = str
    LongText = str
    Reason = str
    PersonName = str
    SearchText = str
else:
    ShortText = text_type(200)
    LongText = text_type(4000, lines=True)
    Reason = text_type(2000, lines=True)
    PersonName = text_type(100, name=True)
    # What a query parameter searches or filters by.
    SearchText = text_type(100)
# An amount in yuan with at most two decimals, as a number or a string; the schema states
# the string's form (pydantic's own says any string).
Money = Annotated[
    Decimal,
    Field(gt=0, max_digits=12, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 9999999999,
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": r"^0*[1-9][0-9]{0,9}(\.[0-9]{1,2})?$"},
            ]
        }
    ),
]


def required_when(field: str, value: object, required: str) -> dict[str, Any]:
    """The schema's statement of a cross-field rule: ``required`` is given (as text) when
    ``field`` is ``value`` (so that a request valid by the schema is not refused)."""
    return {
        "if": {"properties": {field: {"const": value}}, "required": [field]},
        "then": {"required": [required], "properties": {required: {"type": "string"}}},
    }


def as_utc(moment: datetime) -> datetime:
    """A time without an offset is read as UTC rather than refused."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


Moment = Annotated[datetime, AfterValidator(as_utc)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepBase(Frozen):
    if TYPE_CHECKING:
        kind: str  # each step narrows it to the literal kind of the event it records

    note: LongText | None = Field(default=None, description="Optional free-text note")
    late_reason: Reason | None = Field(
        default=None, description="Why, when this step comes after its deadline has passed"
    )
