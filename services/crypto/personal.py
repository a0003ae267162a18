"""Sealing the personal fields of a claimant wherever a case stores one.

Sealed: ``name``, ``national_id``, ``birth_date``, ``phone``, ``address``, ``situation``
and ``household``, each under the case's data key with its place (table.column, case,
field) as associated data. Only the category stays readable. Lists find names through
keyed search terms, duplicate checks through keyed hashes of the ID number and phone and
the birth date in the case's row; erasure deletes those (``services/erasure.py``).

Whether a stored value is sealed follows from where it is, never from its text: each of
these fields is sealed whenever it holds a value, so a stored one is always ciphertext,
and an address that happens to begin like a ciphertext is sealed like any other.
"""

from __future__ import annotations

import json
from typing import Any

from services.crypto.case_keys import KeyUnavailable
from services.crypto.cipher import DecryptionError, KeyRing

SEALED_FIELDS = (
    "name", "national_id", "birth_date", "phone", "address", "situation", "household"
)  # fmt: skip
ERASED_KEY = "erased"
# What an erased field reads as: a claimant always has a name, so an erased one is a dash.
ERASED_NAME = "—"
_ERASED: dict[str, Any] = {"household": [], "name": ERASED_NAME}


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
        if value in (None, []):
            continue
        if ring is None:
            sealed[name] = None if name == "name" else _ERASED.get(name)
            erased.append(name)
            continue
        sealed[name] = ring.seal_text(json.dumps(value), _ad(place, case_id, name))
    if erased:
        sealed[ERASED_KEY] = sorted(set(erased))
    return sealed


def open_claimant(
    claimant: dict[str, Any], *, ring: KeyRing | None, place: str, case_id: str
) -> dict[str, Any]:
    """A copy of ``claimant`` (as stored) with its personal fields readable; with no key
    (destroyed) they come back empty and listed under ``erased``. A field that does not
    open under the case's key raises :class:`KeyUnavailable`."""
    opened = dict(claimant)
    erased = list(claimant.get(ERASED_KEY) or [])
    if claimant.get("name") is None:  # dropped as the case was projected after its erasure
        opened["name"] = ERASED_NAME
        erased.append("name")
    for name in SEALED_FIELDS:
        value = claimant.get(name)
        if not isinstance(value, str):
            continue  # empty (None, no household) or erased
        if ring is None:
            opened[name] = _ERASED.get(name)
            erased.append(name)
            continue
        try:
            opened[name] = json.loads(ring.open_text(value, _ad(place, case_id, name)))
        except DecryptionError as error:
            raise KeyUnavailable(
                case_id, f"claimant.{name} in {place} does not open under its key ({error})"
            ) from None
    if erased:
        opened[ERASED_KEY] = sorted(set(erased))
    return opened


def has_sealed_fields(claimant: dict[str, Any]) -> bool:
    """Whether a stored claimant holds a value in any sealed field."""
    return any(isinstance(claimant.get(name), str) for name in SEALED_FIELDS)


def _ad(place: str, case_id: str, name: str) -> str:
    return f"{place}/{case_id}/claimant.{name}"
