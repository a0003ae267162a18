"""pinyin initials of claimants' names, so that wjg finds 王建国

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.cases.names import name_initials

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.add_column(
            sa.Column("name_initials", sa.String(40), nullable=False, server_default="")
        )
    cases = sa.table(
        "cases", sa.column("id", sa.String), sa.column("claimant_name", sa.String),
        sa.column("name_initials", sa.String),
    )  # fmt: skip
    connection = op.get_bind()
    for case_id, name in connection.execute(sa.select(cases.c.id, cases.c.claimant_name)):
        connection.execute(
            cases.update().where(cases.c.id == case_id).values(name_initials=name_initials(name))
        )
    # Prefix matches (LIKE 'wjg%') use the index on PostgreSQL whatever the collation.
    op.create_index(
        "ix_cases_name_initials",
        "cases",
        ["name_initials"],
        postgresql_ops={"name_initials": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_cases_name_initials", table_name="cases")
    # Not in batch mode: SQLite (3.35+) drops a column in place, where a batch would
    # copy the table, which the foreign keys to it refuse.
    op.drop_column("cases", "name_initials")
