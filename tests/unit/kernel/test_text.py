"""The one boundary for text: what is kept (normalised, trimmed) and what is refused."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError

from services.kernel.values import LongText, PersonName, ShortText, stored_values


class Sent(BaseModel):
    name: PersonName | None = None
    short: ShortText | None = None
    long: LongText | None = None


@pytest.mark.parametrize(
    ("field", "sent", "kept"),
    [
        ("name", "  张伟 ", "张伟"),
        ("name", "Jose\u0301", "Jos\u00e9"),  # NFC: one character, as people search for it
        ("long", "第一行\r\n第二行\t完", "第一行\n第二行\t完"),
        ("short", "Li\u200dWei", "Li\u200dWei"),  # a joiner is text, not a control
        ("long", "a\u202eb", "a\u202eb"),  # bidirectional overrides: refused in names only
    ],
)
def test_text_is_normalised_and_trimmed(field: str, sent: str, kept: str) -> None:
    assert getattr(Sent.model_validate({field: sent}), field) == kept


@pytest.mark.parametrize(
    ("field", "sent"),
    [
        ("name", "张\u0000伟"),
        ("long", "a\u0000b"),
        ("short", "a\u0007b"),
        ("short", "two\nlines"),
        ("short", "a\tb"),
        ("long", "C1 \u0085 control"),
        ("name", "\u202eeivilO"),
        ("name", "a\u2066b"),
        ("name", "\ud800"),
        ("name", "   "),
        ("name", "x" * 101),
        ("long", "x" * 4001),
    ],
)
def test_what_no_person_types_is_refused_naming_the_field(field: str, sent: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Sent.model_validate({field: sent})

    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


def test_a_value_read_back_from_where_it_was_kept_is_taken_as_it_was() -> None:
    with stored_values():
        kept = Sent.model_validate({"name": "张\u0000伟"})

    assert kept.name == "张\u0000伟"


def test_the_schema_states_what_the_code_refuses() -> None:
    pattern = re.compile(Sent.model_json_schema()["properties"]["name"]["anyOf"][0]["pattern"])

    assert pattern.search("张伟") and pattern.search(" Li Wei ")
    for refused in ("张\u0000伟", "a\nb", "\u202eab", "  "):
        assert not pattern.search(refused)
