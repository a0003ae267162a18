"""deadline clocks on the timeline, escalations, notification outbox, overdue flag

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_event") as table:
        table.add_column(sa.Column("clocks", sa.JSON(), nullable=True))
    with op.batch_alter_table("cases") as table:
        table.add_column(
            sa.Column("overdue", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_cases_overdue_opened_at", "cases", ["overdue", "opened_at"])
    op.create_table(
        "escalation",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("clock_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("target", sa.String(40), nullable=True),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("assignee", sa.String(100), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rung", sa.String(20), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("satisfied_at", UtcDateTime(), nullable=True),
        sa.Column("late_by_seconds", sa.Integer(), nullable=True),
        sa.Column("late_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_escalation_case_id_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "clock_id", name="pk_escalation"),
    )
    op.create_index("ix_escalation_due_at", "escalation", ["due_at"])
    op.create_index("ix_escalation_centre_due_at", "escalation", ["centre", "due_at"])
    op.create_index("ix_escalation_kind_due_at", "escalation", ["kind", "due_at"])
    op.create_index("ix_escalation_assignee_due_at", "escalation", ["assignee", "due_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("case_id", "seq", name="uq_outbox_case_id"),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("escalation")
    op.drop_index("ix_cases_overdue_opened_at", table_name="cases")
    with op.batch_alter_table("cases") as table:
        table.drop_column("overdue")
    with op.batch_alter_table("case_event") as table:
        table.drop_column("clocks")
