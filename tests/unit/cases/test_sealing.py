"""The fields a kind of help declares personal are sealed at rest with the case's key."""

from __future__ import annotations

import pytest

from services.cases.sealing import opened_fields, sealed_fields
from services.crypto.case_keys import KeyUnavailable
from services.crypto.cipher import TEXT_PREFIX, KeyRing

RING = KeyRing(keys={"k1": b"unit-test-case-key-32-bytes-long"}, current="k1")
PLACE = "case_event.payload/case-1/some_track"


def test_declared_fields_are_sealed_and_the_others_left_readable() -> None:
    sealed = sealed_fields(
        {"kind": "x", "situation": "owes 3000 for surgery", "amount": "10.00"},
        ["situation"],
        ring=RING,
        place=PLACE,
    )

    assert sealed["situation"].startswith(TEXT_PREFIX)
    assert "surgery" not in sealed["situation"]
    assert sealed["amount"] == "10.00"
    assert opened_fields(sealed, ["situation"], ring=RING, place=PLACE)["situation"] == (
        "owes 3000 for surgery"
    )


def test_a_sealed_field_opens_only_in_its_own_place() -> None:
    sealed = sealed_fields({"situation": "text"}, ["situation"], ring=RING, place=PLACE)

    # Not an erasure: a value that does not open is an error naming the case.
    with pytest.raises(KeyUnavailable, match="case-1"):
        opened_fields(sealed, ["situation"], ring=RING, place=PLACE + "-elsewhere")


def test_without_the_case_key_a_field_is_not_written_and_reads_as_erased() -> None:
    sealed = sealed_fields({"situation": "text"}, ["situation"], ring=None, place=PLACE)
    assert sealed["situation"] is None

    stored = sealed_fields({"situation": "text"}, ["situation"], ring=RING, place=PLACE)
    assert opened_fields(stored, ["situation"], ring=None, place=PLACE)["situation"] is None


def test_a_value_that_looks_sealed_is_sealed_like_any_other() -> None:
    # Whether a stored value is ciphertext follows from its field, never from its text.
    looks_sealed = {"situation": TEXT_PREFIX + "not really"}

    sealed = sealed_fields(looks_sealed, ["situation"], ring=RING, place=PLACE)

    assert sealed["situation"] != looks_sealed["situation"]
    assert opened_fields(sealed, ["situation"], ring=RING, place=PLACE) == looks_sealed
