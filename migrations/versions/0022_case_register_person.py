"""a case refers to its person of the register

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cases opened before stay unlinked: the register did not exist when they were opened.
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("register_person_id", sa.String(36), nullable=True))
    op.create_index(
        "ix_cases_register_person_id_opened_at", "cases", ["register_person_id", "opened_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_cases_register_person_id_opened_at", table_name="cases")
    # Not in batch mode: SQLite drops a column in place, where a batch would copy the
    # table, which the foreign keys to it refuse.
    op.drop_column("cases", "register_person_id")
