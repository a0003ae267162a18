"""the console: each user's language, and server-side sign-in sessions

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("language", sa.String(10), nullable=True))
    op.create_table(
        "console_session",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id_hash", name="pk_console_session"),
    )
    op.create_index("ix_console_session_username", "console_session", ["username"])


def downgrade() -> None:
    op.drop_index("ix_console_session_username", table_name="console_session")
    op.drop_table("console_session")
    op.drop_column("users", "language")  # in place (SQLite 3.35+), as 0015 does
