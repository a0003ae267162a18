"""notifications delivered: the outbox's delivery state, a row per person, and people's
sealed contact details

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0019"
down_revision = "0015"
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


def downgrade() -> None:
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
