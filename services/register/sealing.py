"""A data key per person of the register, sealing their personal fields.

Why a key per person rather than the master ring: erasure. Destroying one person's key
makes every ciphertext sealed with it unreadable at once, wherever it is: the register
row, the findings of their visits, and the copies of both in every database backup,
without rewriting anything but one row. With the master ring, erasing a person would
mean finding and overwriting each of their ciphertexts, and backups would keep them
readable for as long as the ring lives. The key lives in the person's own row, sealed
by a subkey of the master ring (its id travels in the ciphertext, so rotation works as
for case keys: ``rewrap_person_keys``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crypto.cipher import DecryptionError, KeyRing, new_key
from services.crypto.vault import Vault, current_vault
from services.register.records import PersonRecord

PERSON_KEY_PURPOSE = "casework/person-key-wrapping"
_PERSON_KEY_ID = "person1"
_wrapping_rings: dict[int, tuple[Vault, KeyRing]] = {}


class PersonKeyDestroyed(DecryptionError):
    """The person was erased: what was sealed for them reads as nothing, for good."""


def _wrapping() -> KeyRing:
    vault = current_vault()
    cached = _wrapping_rings.get(id(vault))
    if cached is None or cached[0] is not vault:
        cached = (vault, vault.master.derive(PERSON_KEY_PURPOSE))
        _wrapping_rings[id(vault)] = cached
    return cached[1]


def new_person_key(person_id: str) -> tuple[KeyRing, str, str]:
    """A fresh key for a new person: (its ring, the key wrapped, the master key id)."""
    key = new_key()
    wrapping = _wrapping()
    wrapped = base64.b64encode(wrapping.seal(key, _wrap_ad(person_id))).decode()
    return _ring(key), wrapped, wrapping.current


def person_ring(person_id: str, wrapped_key: str | None) -> KeyRing:
    """The person's key as stored in their row; raises PersonKeyDestroyed once erased."""
    if wrapped_key is None:
        raise PersonKeyDestroyed(f"person {person_id}: key destroyed")
    return _ring(_wrapping().open(base64.b64decode(wrapped_key), _wrap_ad(person_id)))


def seal(ring: KeyRing, place: str, person_id: str, values: dict[str, Any]) -> str:
    return ring.seal_text(json.dumps(values, ensure_ascii=False), f"{place}/{person_id}")


def open_sealed(ring: KeyRing, place: str, person_id: str, sealed: str) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(ring.open_text(sealed, f"{place}/{person_id}"))
    return opened


def rewrap_person_keys(*, session: Session) -> int:
    """Wrap every live person key with the current master key (after a rotation)."""
    wrapping = _wrapping()
    rows = session.scalars(
        select(PersonRecord).where(
            PersonRecord.wrapped_key.is_not(None),
            PersonRecord.master_key_id != wrapping.current,
        )
    ).all()
    for row in rows:
        assert row.wrapped_key is not None
        key = wrapping.open(base64.b64decode(row.wrapped_key), _wrap_ad(row.id))
        row.wrapped_key = base64.b64encode(wrapping.seal(key, _wrap_ad(row.id))).decode()
        row.master_key_id = wrapping.current
    session.flush()
    return len(rows)


def _ring(key: bytes) -> KeyRing:
    return KeyRing(keys={_PERSON_KEY_ID: key}, current=_PERSON_KEY_ID)


def _wrap_ad(person_id: str) -> bytes:
    return f"register_person.wrapped_key/{person_id}".encode()
