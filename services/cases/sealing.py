"""Sealing the personal data a case stores: the claimant's fields, and the fields each kind
of help declares personal (``TrackSpec.sealed``), in its steps' payloads on the timeline
and in its items in the case document. Each is sealed under the case's key with its place
as associated data; once the key is gone it reads as erased (empty)."""

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
} | {notes.NOTE_ADDED: (notes.NOTES_FIELD, notes.SEALED)}
# A correction's payload holds the claimant's fields twice: as corrected and as they were.
_CLAIMANT_PARTS = {"claimant": EVENT_PLACE, "previous": f"{EVENT_PLACE}.previous"}


def sealed_fields(
    values: dict[str, Any], names: Sequence[str], *, ring: KeyRing | None, place: str
) -> dict[str, Any]:
    """A copy of ``values`` with the ``names`` fields sealed (associated data
    ``<place>.<name>``); with no key (destroyed) they are dropped (null) instead. Every
    value of these fields is sealed: whether a stored one is ciphertext follows from its
    field, never from its text."""
    sealed = dict(values)
    for name in names:
        value = values.get(name)
        if value is None:
            continue
        sealed[name] = (
            None if ring is None else ring.seal_text(json.dumps(value), f"{place}.{name}")
        )
    return sealed


def opened_fields(
    values: dict[str, Any], names: Sequence[str], *, ring: KeyRing | None, place: str
) -> dict[str, Any]:
    """A copy of ``values`` (as stored) with the ``names`` fields readable; with no key
    (destroyed) they come back null. A field that does not open under the case's key
    raises :class:`KeyUnavailable`, never reads as erased."""
    opened = dict(values)
    for name in names:
        value = values.get(name)
        if not isinstance(value, str):
            continue  # empty, or erased
        if ring is None:
            opened[name] = None
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
    return any(isinstance(payload.get(name), str) for name in names)


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
    return {**document, "claimant": claimant, **items}


def document_is_sealed(document: dict[str, Any]) -> bool:
    return has_sealed_fields(document["claimant"]) or any(
        isinstance(item.get(name), str)
        for field, names in _SEALED_ITEMS.items()
        for item in document.get(field, [])
        for name in names
    )
