"""case numbers per centre and year (2026-0042), the counters that give them, and the
access log by reader

Revision ID: 0017
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_number_counter",
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("centre", "year", name="pk_case_number_counter"),
    )
    op.create_table(
        "case_number",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_number"),
        sa.UniqueConstraint("centre", "year", "seq", name="uq_case_number_centre"),
    )
    # Not in batch mode: SQLite adds a column in place, where a batch would copy the
    # table, which the foreign keys to it refuse.
    op.add_column("cases", sa.Column("number", sa.String(20), nullable=True))
    op.create_index("ix_cases_number_centre", "cases", ["number", "centre"], unique=True)
    # The access log by who read (GET /access-log?username=).
    op.create_index("ix_access_log_username_at", "access_log", ["username", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_log_username_at", table_name="access_log")
    op.drop_index("ix_cases_number_centre", table_name="cases")
    op.drop_column("cases", "number")
    op.drop_table("case_number")
    op.drop_table("case_number_counter")
