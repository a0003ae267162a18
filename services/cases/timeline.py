"""The hash chain over a case's timeline: each event's hash covers the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

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
) -> bytes:
    document = {
        "case_id": case_id,
        "seq": seq,
        "type": type,
        "actor": actor,
        "role": role,
        "target": target,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "payload": payload,
    }
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()
