"""Signed checkpoints of every case's timeline head, kept outside the database.

The hash chain shows that a timeline was altered, unless whoever altered it computed the
chain again from there on: anyone who can write the database can. A checkpoint records
each case's last event (seq and hash) at one moment, signed (HMAC-SHA256) with a key
derived from the master keys, which the database never holds, and is written to a file
directory (``AUDIT_CHECKPOINT_DIR``) away from the database. ``casework audit verify``
then checks each chain against the latest checkpoint: a rewritten chain no longer ends
in the hash it had, and a shortened one no longer reaches the checkpointed event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from services.cases.records import CaseEventRecord
from services.crypto.cipher import KeyRing

FORMAT = "casework-audit-checkpoint/1"
PREFIX = "checkpoint-"


class CheckpointInvalid(Exception):
    """A checkpoint file that is not one we signed: altered, or signed with another key."""


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    taken_at: datetime
    heads: dict[str, Head]


def case_heads(*, session: Session) -> Iterator[tuple[str, Head]]:
    """The last recorded event of every case's timeline."""
    last = (
        select(CaseEventRecord.case_id, func.max(CaseEventRecord.seq).label("seq"))
        .group_by(CaseEventRecord.case_id)
        .subquery()
    )
    rows = session.execute(
        select(CaseEventRecord.case_id, CaseEventRecord.seq, CaseEventRecord.hash)
        .join(
            last, and_(CaseEventRecord.case_id == last.c.case_id, CaseEventRecord.seq == last.c.seq)
        )
        .execution_options(yield_per=5000)
    )
    for row in rows:
        yield row.case_id, Head(row.seq, row.hash)


def write_checkpoint(*, session: Session, directory: Path, ring: KeyRing) -> Checkpoint:
    """Sign the heads of every case as they stand now into a new file of ``directory``."""
    taken_at = datetime.now(UTC)
    heads = dict(case_heads(session=session))
    document: dict[str, Any] = {
        "format": FORMAT,
        "taken_at": taken_at.isoformat(timespec="microseconds"),
        "key_id": ring.current,
        "heads": {case_id: [head.seq, head.hash] for case_id, head in sorted(heads.items())},
    }
    document["mac"] = _mac(ring.keys[ring.current], document)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{PREFIX}{taken_at.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    partial = path.with_suffix(".partial")
    with partial.open("w") as file:  # whole or not at all: a reader never sees half
        json.dump(document, file)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)
    return Checkpoint(path=path, taken_at=taken_at, heads=heads)


def latest_checkpoint(directory: Path, ring: KeyRing) -> Checkpoint | None:
    """The newest checkpoint in ``directory`` (None if there is none), its signature
    checked: :class:`CheckpointInvalid` if it is not one of ours."""
    paths = sorted(directory.glob(f"{PREFIX}*.json")) if directory.is_dir() else []
    if not paths:
        return None
    path = paths[-1]
    try:
        document = json.loads(path.read_text())
        mac = document.pop("mac")
        key_id = document["key_id"]
    except (ValueError, KeyError, TypeError):
        raise CheckpointInvalid(f"{path}: not a checkpoint") from None
    key = ring.keys.get(key_id)
    if key is None:
        raise CheckpointInvalid(f"{path}: signed with master key {key_id!r}, not in MASTER_KEYS")
    if document.get("format") != FORMAT or not hmac.compare_digest(mac, _mac(key, document)):
        raise CheckpointInvalid(f"{path}: its signature does not hold (the file was altered)")
    return Checkpoint(
        path=path,
        taken_at=datetime.fromisoformat(document["taken_at"]),
        heads={case_id: Head(seq, digest) for case_id, (seq, digest) in document["heads"].items()},
    )


def _mac(key: bytes, document: dict[str, Any]) -> str:
    return hmac.new(key, rfc8785.dumps(document), hashlib.sha256).hexdigest()
