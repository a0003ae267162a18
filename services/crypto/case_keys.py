"""Per-case data keys: created on first use, unwrapped on each read, destroyed for good.

Only a key destroyed on purpose (its row's ``destroyed_at``, the tombstone) makes a case
read as erased. A key that is missing or does not open is an error (:class:`KeyUnavailable`):
treating it as erased would let a worker with an incomplete ring empty the cases it
touches, silently and for good.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.crypto.cipher import DecryptionError, KeyRing, UnknownKey, key_id_of, new_key
from services.crypto.records import CaseKeyRecord
from services.crypto.vault import current_vault

CASE_KEY_ID = "case1"


class KeyUnavailable(Exception):
    """A case's data is sealed under a key that exists (it was not destroyed) but does
    not open here. Nothing may be read or written for the case until it does: retry once
    the master key ring is complete again."""

    def __init__(self, case_id: str, problem: str) -> None:
        super().__init__(f"case {case_id}: {problem}")
        self.case_id = case_id


def case_ring(*, session: Session, case_id: str, create: bool = False) -> KeyRing | None:
    """The case's data key as a ring, or None once it is destroyed; with ``create``, a
    case without a key gets one."""
    row = session.get(CaseKeyRecord, case_id)
    if row is None and create:
        row = _new_case_key(session, case_id)
    if row is None:
        return unwrapped_ring(case_id, None, None)
    return unwrapped_ring(case_id, row.wrapped_key, row.destroyed_at)


def unwrapped_ring(
    case_id: str, wrapped_key: str | None, destroyed_at: datetime | None
) -> KeyRing | None:
    """The ring of a case key as stored (``case_key``'s row, read with the case): None
    if it was destroyed; :class:`KeyUnavailable` if it is missing or does not open."""
    if destroyed_at is not None:
        return None
    if wrapped_key is None:
        raise KeyUnavailable(case_id, "its data is sealed but it has no key on record")
    return KeyRing(keys={CASE_KEY_ID: _unwrap(case_id, wrapped_key)}, current=CASE_KEY_ID)


def _unwrap(case_id: str, wrapped_key: str) -> bytes:
    token = base64.b64decode(wrapped_key)
    try:
        return current_vault().case_keys.open(token, _wrap_ad(case_id))
    except UnknownKey as error:
        raise KeyUnavailable(
            case_id,
            f"its key is wrapped by master key {error.key_id!r}, which is not in MASTER_KEYS "
            "(keep a retired master key in the ring until `casework keys rewrap` has run)",
        ) from None
    except DecryptionError:
        raise KeyUnavailable(
            case_id,
            f"its key does not open under master key {_key_id(token)!r}: the wrapped key "
            "was altered, or MASTER_KEYS holds another key under that id",
        ) from None


def _key_id(token: bytes) -> str:
    try:
        return key_id_of(token)
    except DecryptionError:
        return "?"


def destroy_case_key(*, session: Session, case_id: str, at: datetime | None = None) -> bool:
    """Erase the case's key; returns False if there was none left to destroy."""
    row = session.get(CaseKeyRecord, case_id, with_for_update=True)
    if row is None:
        # A tombstone, so that a later projection of the case does not make a new key.
        row = CaseKeyRecord(case_id=case_id, created_at=at or datetime.now(UTC))
        session.add(row)
    elif row.wrapped_key is None:
        return False
    if session.get_bind().dialect.name == "sqlite":
        # Overwrite freed pages with zeros rather than leave the old bytes in the file.
        session.execute(text("PRAGMA secure_delete = ON"))
    row.wrapped_key = None
    row.master_key_id = None
    row.destroyed_at = at or datetime.now(UTC)
    session.flush()
    return True


def key_destroyed_at(*, session: Session, case_id: str) -> datetime | None:
    return session.scalar(
        select(CaseKeyRecord.destroyed_at).where(CaseKeyRecord.case_id == case_id)
    )


def rewrap_case_keys(*, session: Session) -> int:
    """Wrap every live case key with the current master key (after a rotation)."""
    wrapping = current_vault().case_keys
    rows = session.scalars(
        select(CaseKeyRecord).where(
            CaseKeyRecord.wrapped_key.is_not(None),
            CaseKeyRecord.master_key_id != wrapping.current,
        )
    ).all()
    for row in rows:
        assert row.wrapped_key is not None
        key = _unwrap(row.case_id, row.wrapped_key)
        row.wrapped_key = _wrap(wrapping, row.case_id, key)
        row.master_key_id = wrapping.current
    session.flush()
    return len(rows)


def _new_case_key(session: Session, case_id: str) -> CaseKeyRecord:
    wrapping = current_vault().case_keys
    row = CaseKeyRecord(
        case_id=case_id,
        master_key_id=wrapping.current,
        wrapped_key=_wrap(wrapping, case_id, new_key()),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def _wrap(wrapping: KeyRing, case_id: str, key: bytes) -> str:
    return base64.b64encode(wrapping.seal(key, _wrap_ad(case_id))).decode()


def _wrap_ad(case_id: str) -> bytes:
    return f"case_key.wrapped_key/{case_id}".encode()
