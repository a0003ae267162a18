"""report tally: times to act at three resolutions, so a median reads a bounded number of keys

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03

A time to act was tallied once, in its bin of two significant figures: a few hundred keys
per measure in a large caseload, each read once per month, day and hour of a period. It
is now tallied by decade (read with every figure), by leading digit and by bin (in spans
of their own, ``month.lead``, ``month.bin`` …, read only where a median lies); see
``services/reports/medians.py``. The tally is recounted from the timeline with the
projection's own definition, as migration 0008 filled it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from services.reports.tallies import backfill_tallies

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

SPANS = ("month", "day", "hour")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite does not hold strings to a length
        op.alter_column("report_tally", "span", type_=sa.String(10))
    op.execute("DELETE FROM report_tally")
    backfill_tallies(Session(bind=op.get_bind()))


def downgrade() -> None:
    # Back to one row per bin in the spans themselves: the decades go, the bins return.
    tally = sa.table("report_tally", sa.column("span", sa.String), sa.column("figure", sa.String))
    op.execute(tally.delete().where(tally.c.figure.like("time_to_act.%"), tally.c.span.in_(SPANS)))
    op.execute(tally.delete().where(tally.c.span.like("%.lead")))
    for span in SPANS:
        op.execute(tally.update().where(tally.c.span == f"{span}.bin").values(span=span))
