"""per-case data keys; personal data of existing cases sealed under them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Cases recorded before this revision hold their claimant's personal fields in plain
text, in the case document and in the intake event. Those are sealed here under a new
key per case, and as the intake event changes, the hash chain of those cases is
computed again from there on (on PostgreSQL the append-only trigger is lifted for the
length of this one transaction). This needs the master key ring, as every writer does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from services.cases.timeline import GENESIS_HASH, canonical_event, chain_hash
from services.crypto.case_keys import case_ring
from services.crypto.cipher import KeyRing
from services.crypto.personal import seal_claimant
from services.db import UtcDateTime

# The fields this revision seals (later revisions seal more, each its own).
SEALED_FIELDS = ("national_id", "phone", "address", "situation", "household")
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_cases = sa.table("cases", sa.column("id", sa.String), sa.column("document", sa.JSON))
_events = sa.table(
    "case_event",
    *(sa.column(name, sa.String) for name in ("case_id", "type", "actor", "role", "target")),
    sa.column("seq", sa.Integer),
    sa.column("at", UtcDateTime),
    sa.column("payload", sa.JSON),
    sa.column("clocks", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "case_key",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("master_key_id", sa.String(40), nullable=True),
        sa.Column("wrapped_key", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("destroyed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_key"),
    )
    op.create_index("ix_case_key_master_key_id", "case_key", ["master_key_id"])
    _seal_existing_cases()


def downgrade() -> None:
    # Sealed fields stay sealed: opening them again would put plaintext back on disk.
    op.drop_index("ix_case_key_master_key_id", table_name="case_key")
    op.drop_table("case_key")


def _has_plain_fields(claimant: Any) -> bool:
    # Nothing was sealed before this revision: every value held is plain text (one that
    # merely looks like a ciphertext too).
    if not isinstance(claimant, dict):
        return False
    return any(claimant.get(name) not in (None, []) for name in SEALED_FIELDS)


def _seal_existing_cases() -> None:
    bind = op.get_bind()
    session = Session(bind=bind)
    rows = bind.execute(sa.select(_cases.c.id, _cases.c.document)).all()
    plain = [(row.id, row.document) for row in rows if _has_plain_fields(row.document["claimant"])]
    if not plain:
        return
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
    for case_id, document in plain:
        ring = case_ring(session=session, case_id=case_id, create=True)
        claimant = _sealed(document["claimant"], ring, "cases.document", case_id)
        bind.execute(
            _cases.update()
            .where(_cases.c.id == case_id)
            .values(document={**document, "claimant": claimant})
        )
        _reseal_timeline(bind, case_id, ring)
    if postgres:
        op.execute("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only")


def _sealed(
    claimant: dict[str, Any], ring: KeyRing | None, place: str, case_id: str
) -> dict[str, Any]:
    plain = {name: claimant[name] for name in SEALED_FIELDS if name in claimant}
    return {**claimant, **seal_claimant(plain, ring=ring, place=place, case_id=case_id)}


def _reseal_timeline(bind: sa.Connection, case_id: str, ring: KeyRing | None) -> None:
    events = bind.execute(
        sa.select(_events).where(_events.c.case_id == case_id).order_by(_events.c.seq)
    ).all()
    prev_hash, changed = GENESIS_HASH, False
    for event in events:
        payload = event.payload
        if _has_plain_fields(payload.get("claimant")):
            claimant = _sealed(payload["claimant"], ring, "case_event.payload", case_id)
            payload, changed = {**payload, "claimant": claimant}, True
        if not changed:
            prev_hash = event.hash
            continue
        canonical = canonical_event(
            case_id=case_id,
            seq=event.seq,
            type=event.type,
            actor=event.actor,
            role=event.role,
            target=event.target,
            at=event.at,
            payload=payload,
            clocks=event.clocks,
        )
        new_hash = chain_hash(prev_hash, canonical)
        bind.execute(
            _events.update()
            .where(_events.c.case_id == case_id, _events.c.seq == event.seq)
            .values(payload=payload, prev_hash=prev_hash, hash=new_hash)
        )
        prev_hash = new_hash
