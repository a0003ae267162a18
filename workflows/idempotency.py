"""Remembering which idempotency keys a case has already applied, across continue-as-new."""

from __future__ import annotations

from pydantic import BaseModel

# Keys older than this many steps are forgotten; clients retry within minutes, not years.
KEYS_KEPT = 1_000


class AppliedKey(BaseModel):
    key: str
    fingerprint: str
    seq: int


class KeyReused(Exception):
    """The key was used before for a different request."""


class Ledger:
    def __init__(self, applied: list[AppliedKey]) -> None:
        self._applied = {entry.key: entry for entry in applied}

    def seq_of(self, key: str | None, fingerprint: str | None) -> int | None:
        """The seq of the step this key already made, or None if the key is new."""
        entry = self._applied.get(key) if key else None
        if entry is None:
            return None
        if entry.fingerprint != fingerprint:
            raise KeyReused(key)
        return entry.seq

    def remember(self, key: str | None, fingerprint: str | None, seq: int) -> None:
        if not key:
            return
        self._applied[key] = AppliedKey(key=key, fingerprint=fingerprint or "", seq=seq)
        if len(self._applied) > KEYS_KEPT:
            oldest = min(self._applied.values(), key=lambda entry: entry.seq)
            del self._applied[oldest.key]

    def carry(self) -> list[AppliedKey]:
        return sorted(self._applied.values(), key=lambda entry: entry.seq)
