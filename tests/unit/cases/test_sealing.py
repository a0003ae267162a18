"""The fields a kind of help declares personal are sealed at rest with the case's key."""

from __future__ import annotations

from services.cases.sealing import opened_fields, sealed_fields
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

    moved = opened_fields(sealed, ["situation"], ring=RING, place=PLACE + "-elsewhere")

    assert moved["situation"] is None


def test_without_the_case_key_a_field_is_not_written_and_reads_as_erased() -> None:
    sealed = sealed_fields({"situation": "text"}, ["situation"], ring=None, place=PLACE)
    assert sealed["situation"] is None

    stored = sealed_fields({"situation": "text"}, ["situation"], ring=RING, place=PLACE)
    assert opened_fields(stored, ["situation"], ring=None, place=PLACE)["situation"] is None


def test_sealing_twice_or_opening_plain_text_changes_nothing() -> None:
    once = sealed_fields({"situation": "text"}, ["situation"], ring=RING, place=PLACE)

    assert sealed_fields(once, ["situation"], ring=RING, place=PLACE) == once
    plain = {"situation": "written before sealing existed"}
    assert opened_fields(plain, ["situation"], ring=RING, place=PLACE) == plain
