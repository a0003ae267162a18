"""report tally: the summary's figures per UTC month, day and hour, kept by the projection

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

The tally is filled here from the timeline already recorded, with the projection's own
definition of what is counted (``services.reports.tallies.backfill_tallies``), a batch of
cases at a time; from then on the projection adds each new event as it records it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from services.db import UtcDateTime
from services.reports.tallies import backfill_tallies

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEY = ("centre", "span", "bucket_at", "figure", "actor", "role", "hours_x100")


def upgrade() -> None:
    op.create_table(
        "report_tally",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
            autoincrement=True,
        ),
        # Wide enough for the spans that backfill_tallies writes now (see 0023).
        sa.Column("span", sa.String(10), nullable=False),
        sa.Column("bucket_at", UtcDateTime(), nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("figure", sa.String(60), nullable=False),
        sa.Column("actor", sa.String(100), server_default="", nullable=False),
        sa.Column("role", sa.String(20), server_default="", nullable=False),
        sa.Column("hours_x100", sa.Integer(), server_default="0", nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_report_tally"),
    )  # fmt: skip
    op.create_index(
        "ix_report_tally_centre_span_bucket_at",
        "report_tally",
        list(KEY),
        postgresql_include=["count", "amount_cents"],
    )
    backfill_tallies(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_index("ix_report_tally_centre_span_bucket_at", table_name="report_tally")
    op.drop_table("report_tally")
