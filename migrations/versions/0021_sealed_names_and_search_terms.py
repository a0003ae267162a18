"""claimants' names, birth dates and free text sealed; search through keyed terms

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-03

Until this revision a case kept its claimant's name, birth date, summary and the free
text of its steps readable, and a pinyin key and initials of the name for searching. Here
they are sealed under the case's key, in the case document, in the row's name and summary
columns and on the timeline (whose hash chain is computed again from the first changed
event; on PostgreSQL the append-only trigger is lifted for this one transaction), and the
search columns give way to keyed search terms (``case_search_term``). A case whose key
was destroyed loses these values instead, with its keyed hashes and birth date.

Search terms need the identity hash key (``casework db upgrade`` passes it); without it
they are left to ``casework db reindex``. Needs the master key ring, as every writer does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import structlog
from alembic import context, op
from sqlalchemy.orm import Session

from services.cases.sealing import (
    CASE_PLACE,
    CASE_TEXT,
    CLOCK_TEXT,
    DECISION_TEXT,
    EVENT_PLACE,
    STEP_TEXT,
    sealed_clocks,
    sealed_column,
    sealed_fields,
)
from services.cases.search import case_terms, search_key
from services.cases.timeline import GENESIS_HASH, canonical_event, chain_hash
from services.crypto.case_keys import case_ring
from services.crypto.cipher import KeyRing
from services.crypto.personal import seal_claimant
from services.db import UtcDateTime

revision = "0021"
down_revision = "0016"
branch_labels = None
depends_on = None

log = structlog.stdlib.get_logger(__name__)
# Claimant fields, and the items' fields of each kind of help, first sealed here (the
# others were sealed by 0006 and by the kinds of help that declared them).
CLAIMANT_FIELDS = ("name", "birth_date")
ITEM_FIELDS = {
    "legal_matters": ("infringement", "infringer", "evidence", "outcome", "closure_reason"),
    "petitions": ("request", "relief", "refusal_reason"),
    "referrals": ("not_placed_reason",),
    "startup_aid": ("plan", "refusal_reason"),
    "training": ("drop_reason",),
    "hardship_aid": ("refusal_reason",),
}
STEP_FIELDS = {
    "infringement_recorded": ("infringement", "infringer", "evidence"),
    "matter_resolved": ("outcome",),
    "petition_submitted": ("request",),
    "petition_granted": ("relief",),
    "startup_applied": ("plan",),
}
ITEM_STEPS = {
    "legal_matters": ("infringement_recorded", "matter_resolved"),
    "petitions": ("petition_submitted", "petition_granted"),
    "startup_aid": ("startup_applied",),
}
_cases = sa.table(
    "cases",
    sa.column("id", sa.String),
    sa.column("document", sa.JSON),
    sa.column("claimant_name", sa.Text),
    sa.column("summary", sa.Text),
    sa.column("national_id_hash", sa.String),
    sa.column("phone_hash", sa.String),
    sa.column("birth_date", sa.Date),
)
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
_terms = sa.table("case_search_term", sa.column("term", sa.String), sa.column("case_id", sa.String))


def upgrade() -> None:
    op.create_table(
        "case_search_term",
        sa.Column("term", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_search_term_case_id_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("term", "case_id", name="pk_case_search_term"),
    )
    op.create_index("ix_case_search_term_case_id", "case_search_term", ["case_id"])
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for column in ("claimant_name", "summary", "name_key"):
            op.execute(f"DROP INDEX IF EXISTS ix_cases_{column}_trgm")
        op.alter_column("cases", "claimant_name", type_=sa.Text())
    op.drop_index("ix_cases_name_key", table_name="cases")
    op.drop_index("ix_cases_name_initials", table_name="cases")
    # Not in batch mode: SQLite (3.35+) drops a column in place, where a batch would
    # copy the table, which the foreign keys to it refuse.
    op.drop_column("cases", "name_key")
    op.drop_column("cases", "name_initials")
    if postgres:
        op.execute("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
    _seal_existing_cases()
    if postgres:
        op.execute("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only")


def downgrade() -> None:
    # Sealed values stay sealed: opening them again would put plaintext back on disk.
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
        table.add_column(
            sa.Column("name_initials", sa.String(40), nullable=False, server_default="")
        )
    op.create_index("ix_cases_name_key", "cases", ["name_key"])
    op.create_index(
        "ix_cases_name_initials",
        "cases",
        ["name_initials"],
        postgresql_ops={"name_initials": "varchar_pattern_ops"},
    )
    op.drop_index("ix_case_search_term_case_id", table_name="case_search_term")
    op.drop_table("case_search_term")


def _seal_existing_cases() -> None:
    bind = op.get_bind()
    session = Session(bind=bind)
    key: bytes | None = context.config.attributes.get("identity_key")
    rows = bind.execute(
        sa.select(_cases.c.id, _cases.c.document, _cases.c.claimant_name, _cases.c.summary)
    ).all()
    if rows and key is None:
        log.warning("search terms not made: no identity hash key; run `casework db reindex`")
    for row in rows:
        ring = case_ring(session=session, case_id=row.id, create=True)
        if key is not None and ring is not None:
            terms = case_terms(search_key(key), row.claimant_name, row.summary)
            bind.execute(_terms.insert(), [{"term": t, "case_id": row.id} for t in terms])
        values: dict[str, Any] = {
            "document": _sealed_document(row.document, ring),
            "claimant_name": sealed_column(row.claimant_name, ring, row.id, "claimant_name"),
            "summary": sealed_column(row.summary, ring, row.id, "summary"),
        }
        if ring is None:  # erased: nothing may find the person any more
            values |= {"national_id_hash": None, "phone_hash": None, "birth_date": None}
        bind.execute(_cases.update().where(_cases.c.id == row.id).values(**values))
        _reseal_timeline(bind, row.id, ring)


def _sealed_document(document: dict[str, Any], ring: KeyRing | None) -> dict[str, Any]:
    case_id = document["id"]
    place = f"{CASE_PLACE}/{case_id}"
    plain = {name: document["claimant"].get(name) for name in CLAIMANT_FIELDS}
    claimant = {
        **document["claimant"],
        **seal_claimant(plain, ring=ring, place=CASE_PLACE, case_id=case_id),
    }
    sealed = sealed_fields(document, CASE_TEXT, ring=ring, place=f"{place}/case")
    if isinstance(document.get("eligibility"), dict):
        sealed["eligibility"] = sealed_fields(
            document["eligibility"], DECISION_TEXT, ring=ring, place=f"{place}/eligibility"
        )
    sealed["clocks"] = [
        sealed_fields(clock, CLOCK_TEXT, ring=ring, place=f"{place}/clocks")
        for clock in document.get("clocks", [])
    ]
    for field, names in ITEM_FIELDS.items():
        sealed[field] = [
            sealed_fields(item, names, ring=ring, place=f"{place}/{field}")
            for item in document.get(field, [])
        ]
    return {**sealed, "claimant": claimant}


def _sealed_payload(case_id: str, payload: dict[str, Any], ring: KeyRing | None) -> dict[str, Any]:
    if isinstance(payload.get("claimant"), dict):
        plain = {name: payload["claimant"].get(name) for name in CLAIMANT_FIELDS}
        sealed = seal_claimant(plain, ring=ring, place=EVENT_PLACE, case_id=case_id)
        payload = {**payload, "claimant": {**payload["claimant"], **sealed}}
    payload = sealed_fields(payload, STEP_TEXT, ring=ring, place=f"{EVENT_PLACE}/{case_id}/step")
    kind = payload.get("kind", "")
    for field, kinds in ITEM_STEPS.items():
        if kind in kinds:
            place = f"{EVENT_PLACE}/{case_id}/{field}"
            payload = sealed_fields(payload, STEP_FIELDS[kind], ring=ring, place=place)
    return payload


def _reseal_timeline(bind: sa.Connection, case_id: str, ring: KeyRing | None) -> None:
    events = bind.execute(
        sa.select(_events).where(_events.c.case_id == case_id).order_by(_events.c.seq)
    ).all()
    prev_hash, changed = GENESIS_HASH, False
    for event in events:
        payload = _sealed_payload(case_id, event.payload, ring)
        clocks = sealed_clocks(event.clocks, ring, case_id) if event.clocks else event.clocks
        changed = changed or payload != event.payload or clocks != event.clocks
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
            clocks=clocks,
        )
        new_hash = chain_hash(prev_hash, canonical)
        bind.execute(
            _events.update()
            .where(_events.c.case_id == case_id, _events.c.seq == event.seq)
            .values(payload=payload, clocks=clocks, prev_hash=prev_hash, hash=new_hash)
        )
        prev_hash = new_hash
