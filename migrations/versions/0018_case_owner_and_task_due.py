"""case owners (the responsible staff member) and the due time of open tasks

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("owner", sa.String(100), nullable=False, server_default=""))
    # Until now every case was its intake's: the owner starts as who did the intake (the
    # documents say nothing of owners; read, they are owned by their intake too).
    op.execute("UPDATE cases SET owner = intake_by")
    op.create_index("ix_cases_owner_opened_at", "cases", ["owner", "opened_at"])
    with op.batch_alter_table("case_task") as table:
        table.add_column(sa.Column("due_at", UtcDateTime(), nullable=True))
    op.create_index("ix_case_task_due_at", "case_task", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_case_task_due_at", table_name="case_task")
    op.drop_index("ix_cases_owner_opened_at", table_name="cases")
    # Not in batch mode: SQLite (3.35+) drops a column in place (see 0015).
    op.drop_column("case_task", "due_at")
    op.drop_column("cases", "owner")
