"""Sealing the personal data a case stores: the claimant's fields, the case's free text
(its summary, every step's reason, note and late reason, the case's closing reason and
its eligibility decision's), and the fields each kind of help declares personal
(``TrackSpec.sealed``), in its steps' payloads on the timeline and in its items in the
case document. Each is sealed under the case's key with its place as associated data;
once the key is gone it reads as erased (empty)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from services.cases import notes
from services.cases.registry import TRACKS
from services.crypto.case_keys import KeyUnavailable
from services.crypto.cipher import DecryptionError, KeyRing
from services.crypto.personal import has_sealed_fields, open_claimant, seal_claimant

EVENT_PLACE = "case_event.payload"
CASE_PLACE = "cases.document"
# Free text any step may carry, and the case document's own.
STEP_TEXT = ("summary", "reason", "note", "late_reason")
CASE_TEXT = ("summary", "close_reason")
DECISION_TEXT = ("reason",)
CLOCK_TEXT = ("late_reason",)
CLOCKS_PLACE = "case_event.clocks"
ERASED_TEXT = "—"
# What an erased field reads as where it may not be empty (a step's reason, a legal
# matter's texts); any other reads as null.
ERASED_AS: dict[str, Any] = {
    "reason": ERASED_TEXT,
    "infringement": ERASED_TEXT,
    "infringer": ERASED_TEXT,
    "evidence": [],
    "outcome": ERASED_TEXT,
    "request": ERASED_TEXT,
    "relief": ERASED_TEXT,
    "plan": ERASED_TEXT,
}
# The case document's item lists with personal fields, and the step kinds that carry them.
# The case's own notes are sealed as a track's items are.
_SEALED_ITEMS = {track.items.field: track.sealed for track in TRACKS if track.sealed} | {
    notes.NOTES_FIELD: notes.SEALED
}
_SEALED_STEPS = {
    rule.kind: (track.items.field, track.sealed)
    for track in TRACKS
    if track.sealed
    for rule in track.steps
}  # a note's text is a step's "note" (STEP_TEXT), sealed as any step's note is
# A correction's payload holds the claimant's fields twice: as corrected and as they were.
_CLAIMANT_PARTS = {"claimant": EVENT_PLACE, "previous": f"{EVENT_PLACE}.previous"}


def sealed_fields(
    values: dict[str, Any], names: Sequence[str], *, ring: KeyRing | None, place: str
) -> dict[str, Any]:
    """A copy of ``values`` with the ``names`` fields sealed (associated data
    ``<place>.<name>``); with no key (destroyed) they are dropped (as erased) instead. Every
    value of these fields is sealed: whether a stored one is ciphertext follows from its
    field, never from its text."""
    sealed = dict(values)
    for name in names:
        value = values.get(name)
        if value is None:
            continue
        sealed[name] = (
            ERASED_AS.get(name)
            if ring is None
            else ring.seal_text(json.dumps(value), f"{place}.{name}")
        )
    return sealed


def opened_fields(
    values: dict[str, Any], names: Sequence[str], *, ring: KeyRing | None, place: str
) -> dict[str, Any]:
    """A copy of ``values`` (as stored) with the ``names`` fields readable; with no key
    (destroyed) they come back erased. A field that does not open under the case's key
    raises :class:`KeyUnavailable`, never reads as erased."""
    opened = dict(values)
    for name in names:
        value = values.get(name)
        if not isinstance(value, str):
            continue  # empty, or erased
        if ring is None:
            opened[name] = ERASED_AS.get(name)
            continue
        try:
            opened[name] = json.loads(ring.open_text(value, f"{place}.{name}"))
        except DecryptionError as error:
            raise KeyUnavailable(
                place.split("/")[1] if "/" in place else place,
                f"{name} in {place} does not open under its key ({error})",
            ) from None
    return opened


def sealed_payload(payload: dict[str, Any], ring: KeyRing | None, case_id: str) -> dict[str, Any]:
    return _payload(payload, ring, case_id, seal=True)


def opened_payload(payload: dict[str, Any], ring: KeyRing | None, case_id: str) -> dict[str, Any]:
    return _payload(payload, ring, case_id, seal=False)


def _payload(
    payload: dict[str, Any], ring: KeyRing | None, case_id: str, *, seal: bool
) -> dict[str, Any]:
    claimant_fields = seal_claimant if seal else open_claimant
    fields = sealed_fields if seal else opened_fields
    for part, place in _CLAIMANT_PARTS.items():
        if isinstance(payload.get(part), dict):
            claimant = claimant_fields(payload[part], ring=ring, place=place, case_id=case_id)
            payload = {**payload, part: claimant}
    payload = fields(payload, STEP_TEXT, ring=ring, place=f"{EVENT_PLACE}/{case_id}/step")
    if payload.get("kind") in _SEALED_STEPS:
        field, names = _SEALED_STEPS[payload["kind"]]
        payload = fields(payload, names, ring=ring, place=f"{EVENT_PLACE}/{case_id}/{field}")
    return payload


def payload_is_sealed(payload: dict[str, Any]) -> bool:
    for part in _CLAIMANT_PARTS:
        claimant = payload.get(part)
        if isinstance(claimant, dict) and has_sealed_fields(claimant):
            return True
    _, names = _SEALED_STEPS.get(payload.get("kind", ""), ("", ()))
    return any(isinstance(payload.get(name), str) for name in (*STEP_TEXT, *names))


def sealed_document(document: dict[str, Any], ring: KeyRing | None) -> dict[str, Any]:
    return _document(document, ring, seal=True)


def opened_document(document: dict[str, Any], ring: KeyRing | None) -> dict[str, Any]:
    return _document(document, ring, seal=False)


def _document(document: dict[str, Any], ring: KeyRing | None, *, seal: bool) -> dict[str, Any]:
    claimant_fields = seal_claimant if seal else open_claimant
    fields = sealed_fields if seal else opened_fields
    case_id = document["id"]
    claimant = claimant_fields(document["claimant"], ring=ring, place=CASE_PLACE, case_id=case_id)
    items = {
        field: [
            fields(item, names, ring=ring, place=f"{CASE_PLACE}/{case_id}/{field}")
            for item in document.get(field, [])
        ]
        for field, names in _SEALED_ITEMS.items()
    }
    own = fields(document, CASE_TEXT, ring=ring, place=f"{CASE_PLACE}/{case_id}/case")
    if isinstance(document.get("eligibility"), dict):
        own["eligibility"] = fields(
            document["eligibility"],
            DECISION_TEXT,
            ring=ring,
            place=f"{CASE_PLACE}/{case_id}/eligibility",
        )
    own["clocks"] = [
        fields(clock, CLOCK_TEXT, ring=ring, place=f"{CASE_PLACE}/{case_id}/clocks")
        for clock in document.get("clocks", [])
    ]
    return {**own, "claimant": claimant, **items}


def sealed_clocks(
    clocks: list[dict[str, Any]], ring: KeyRing | None, case_id: str
) -> list[dict[str, Any]]:
    """The clocks an event changed, as the timeline stores them: late reasons sealed."""
    place = f"{CLOCKS_PLACE}/{case_id}"
    return [sealed_fields(clock, CLOCK_TEXT, ring=ring, place=place) for clock in clocks]


def opened_clocks(
    clocks: list[dict[str, Any]], ring: KeyRing | None, case_id: str
) -> list[dict[str, Any]]:
    place = f"{CLOCKS_PLACE}/{case_id}"
    return [opened_fields(clock, CLOCK_TEXT, ring=ring, place=place) for clock in clocks]


def clocks_are_sealed(clocks: list[dict[str, Any]] | None) -> bool:
    return any(isinstance(clock.get(name), str) for clock in clocks or () for name in CLOCK_TEXT)


def document_is_sealed(document: dict[str, Any]) -> bool:
    claimant = document["claimant"]
    if claimant.get("name") is None:  # projected after its erasure
        return True
    return has_sealed_fields(claimant) or any(
        isinstance(item.get(name), str)
        for field, names in _SEALED_ITEMS.items()
        for item in document.get(field, [])
        for name in names
    )


def sealed_column(value: str | None, ring: KeyRing | None, case_id: str, column: str) -> str:
    """A text column of the case's row (its claimant's name, its summary) as stored:
    sealed, or empty once the case's key is gone."""
    if value is None or ring is None:
        return ""
    return ring.seal_text(value, f"cases.{column}/{case_id}")


def opened_column(value: str | None, ring: KeyRing | None, case_id: str, column: str) -> str | None:
    """A text column of the case's row as stored, readable: None if it is empty, and
    once the case's key is gone, :data:`ERASED_TEXT`."""
    if ring is None:
        return ERASED_TEXT if column == "claimant_name" else None
    if not value:
        return None
    try:
        return ring.open_text(value, f"cases.{column}/{case_id}")
    except DecryptionError as error:
        raise KeyUnavailable(
            case_id, f"cases.{column} does not open under its key ({error})"
        ) from None
