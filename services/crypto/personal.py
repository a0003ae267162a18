"""Sealing the personal fields of a claimant wherever a case stores one.

Sealed: ``national_id``, ``phone``, ``address``, ``situation`` and ``household``, each
under the case's data key with its place (table.column, case, field) as associated
data. The name, category and birth date stay readable: lists search on the name, and
duplicate checks on the birth date and on keyed hashes of the ID number and phone.
"""

from __future__ import annotations

import json
from typing import Any

from services.crypto.cipher import DecryptionError, KeyRing, is_sealed_text

SEALED_FIELDS = ("national_id", "phone", "address", "situation", "household")
ERASED_KEY = "erased"


def seal_claimant(
    claimant: dict[str, Any], *, ring: KeyRing | None, place: str, case_id: str
) -> dict[str, Any]:
    """A copy of ``claimant`` with its personal fields sealed; with no key (destroyed),
    they are dropped and listed under ``erased`` instead."""
    sealed = dict(claimant)
    sealed.pop(ERASED_KEY, None)  # only a read says what was erased, never a caller
    erased = []
    for name in SEALED_FIELDS:
        value = claimant.get(name)
        if value in (None, []) or is_sealed_text(value):
            continue
        if ring is None:
            sealed[name] = [] if name == "household" else None
            erased.append(name)
            continue
        sealed[name] = ring.seal_text(json.dumps(value), _ad(place, case_id, name))
    if erased:
        sealed[ERASED_KEY] = sorted(set(erased))
    return sealed


def open_claimant(
    claimant: dict[str, Any], *, ring: KeyRing | None, place: str, case_id: str
) -> dict[str, Any]:
    """A copy of ``claimant`` with its personal fields readable; those whose key is gone
    (or that do not open) come back empty and listed under ``erased``."""
    opened = dict(claimant)
    erased = list(claimant.get(ERASED_KEY) or [])
    for name in SEALED_FIELDS:
        value = claimant.get(name)
        if not isinstance(value, str) or not is_sealed_text(value):
            continue  # empty, or written before sealing existed
        try:
            if ring is None:
                raise DecryptionError("case key destroyed")
            opened[name] = json.loads(ring.open_text(value, _ad(place, case_id, name)))
        except DecryptionError:
            opened[name] = [] if name == "household" else None
            erased.append(name)
    if erased:
        opened[ERASED_KEY] = sorted(set(erased))
    return opened


def has_sealed_fields(claimant: dict[str, Any]) -> bool:
    return any(is_sealed_text(claimant.get(name)) for name in SEALED_FIELDS)


def _ad(place: str, case_id: str, name: str) -> str:
    return f"{place}/{case_id}/claimant.{name}"
