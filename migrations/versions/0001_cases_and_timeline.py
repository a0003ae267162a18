"""cases read model and case_event timeline

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("intake_by", sa.String(100), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("claimant_name", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_index("ix_cases_opened_at_id", "cases", ["opened_at", "id"])
    op.create_index("ix_cases_stage_opened_at", "cases", ["stage", "opened_at"])
    op.create_index("ix_cases_centre_opened_at", "cases", ["centre", "opened_at"])
    op.create_table(
        "case_event",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("target", sa.String(40), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_event_case_id_cases", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_case_event"),
    )


def downgrade() -> None:
    op.drop_table("case_event")
    op.drop_index("ix_cases_centre_opened_at", table_name="cases")
    op.drop_index("ix_cases_stage_opened_at", table_name="cases")
    op.drop_index("ix_cases_opened_at_id", table_name="cases")
    op.drop_table("cases")
