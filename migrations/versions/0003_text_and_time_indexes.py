"""indexes for every list filter: trigrams for text (PostgreSQL), category, closing time,
and time on the timeline

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TRIGRAM_COLUMNS = ("claimant_name", "summary", "name_key")


def upgrade() -> None:
    op.create_index("ix_case_event_at", "case_event", ["at"])
    op.create_index("ix_cases_category_opened_at", "cases", ["category", "opened_at"])
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"])
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension: the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in TRIGRAM_COLUMNS:
        op.execute(
            f"CREATE INDEX ix_cases_{column}_trgm ON cases USING gin ({column} gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX ix_cases_{column}_trgm")
    op.drop_index("ix_cases_closed_at", table_name="cases")
    op.drop_index("ix_cases_category_opened_at", table_name="cases")
    op.drop_index("ix_case_event_at", table_name="case_event")
