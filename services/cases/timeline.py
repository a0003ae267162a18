"""The hash chain over a case's timeline: each event's hash covers the one before it.

Events are encoded canonically (RFC 8785, JSON Canonicalization Scheme), so the hash
does not depend on key order, spacing or the database that stored the row.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import rfc8785

GENESIS_HASH = "0" * 64


def canonical_event(
    *,
    case_id: str,
    seq: int,
    type: str,
    actor: str,
    role: str,
    target: str | None,
    at: datetime,
    payload: dict[str, Any],
    clocks: list[Any] | None,
) -> bytes:
    document: Any = {
        "case_id": case_id,
        "seq": seq,
        "type": type,
        "actor": actor,
        "role": role,
        "target": target,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "payload": payload,
    }
    if clocks:  # absent rather than empty, so events without clocks hash as before
        document["clocks"] = clocks
    return rfc8785.dumps(document)


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()
