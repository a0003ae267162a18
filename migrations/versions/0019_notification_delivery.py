"""the department loop: the outbox's delivery state (a row per person), people's sealed
contact details, referral letters and evidence files

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("due_at", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("rung", sa.String(20), nullable=True))
        table.add_column(
            sa.Column("status", sa.String(10), nullable=False, server_default="queued")
        )
        table.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("next_attempt_at", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("claim", sa.String(32), nullable=True))
        table.add_column(sa.Column("lease_until", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("channel", sa.String(10), nullable=True))
        table.add_column(sa.Column("last_error", sa.String(300), nullable=True))
        # A notification may reach several people (every supervisor of the centre).
        table.drop_constraint("uq_outbox_case_id", type_="unique")
        table.create_unique_constraint(
            "uq_outbox_case_id_seq_recipient", ["case_id", "seq", "recipient"]
        )
        table.create_index("ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"])
    outbox = sa.table(
        "outbox", sa.column("status", sa.String), sa.column("sent_at", UtcDateTime()),
        sa.column("created_at", UtcDateTime()), sa.column("next_attempt_at", UtcDateTime()),
    )  # fmt: skip
    op.execute(outbox.update().where(outbox.c.sent_at.is_not(None)).values(status="sent"))
    op.execute(outbox.update().values(next_attempt_at=outbox.c.created_at))
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("contact", sa.Text(), nullable=True))
    op.create_table(
        "referral_letter",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.String(40), nullable=False),
        sa.Column("department", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_referral_letter_case_id_cases",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_referral_letter"),
    )  # fmt: skip
    op.create_index(
        "ix_referral_letter_case_id_matter_id", "referral_letter", ["case_id", "matter_id"]
    )
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("matter_id", sa.String(40), nullable=True),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_evidence_file_case_id_cases", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_file"),
    )
    op.create_index("ix_evidence_file_case_id", "evidence_file", ["case_id"])
    op.create_table(
        "evidence_blob",
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["evidence_file.id"], name="fk_evidence_blob_file_id_evidence_file",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", name="pk_evidence_blob"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("evidence_blob")
    op.drop_index("ix_evidence_file_case_id", table_name="evidence_file")
    op.drop_table("evidence_file")
    op.drop_index("ix_referral_letter_case_id_matter_id", table_name="referral_letter")
    op.drop_table("referral_letter")
    op.drop_column("users", "contact")
    with op.batch_alter_table("outbox") as table:
        table.drop_index("ix_outbox_status_next_attempt_at")
        table.drop_constraint("uq_outbox_case_id_seq_recipient", type_="unique")
        table.create_unique_constraint("uq_outbox_case_id", ["case_id", "seq"])
        for column in (
            "last_error", "channel", "lease_until", "claim", "next_attempt_at", "attempts",
            "status", "rung", "due_at",
        ):  # fmt: skip
            table.drop_column(column)
