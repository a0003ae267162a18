"""The report tally: the summary's figures, counted by the read model's writer as events
are recorded, so that a year's report reads a few thousand rows, not a million events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime

# SQLite numbers rows only through an INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class ReportTallyRecord(Base):
    """How many times (and how much money) one figure was counted in one UTC month, day
    or hour, at one centre; per person for activity, per binned duration for time to act.

    A tally is the *sum* of the rows of its key: the projection keeps one row per key,
    but a racing insert or a bulk copy (the benchmark's shards) may add another, so no
    unique key stands in the way; ``compact_tallies`` folds them together again.
    """

    __tablename__ = "report_tally"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    # month | day | hour, or for a time to act's finer levels month.lead, month.bin, …
    span: Mapped[str] = mapped_column(String(10))
    bucket_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the span's start, UTC
    centre: Mapped[str] = mapped_column(String(100))
    figure: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(100), server_default="")
    role: Mapped[str] = mapped_column(String(20), server_default="")
    # Time to act, in hundredths of an hour, rounded to two significant figures.
    hours_x100: Mapped[int] = mapped_column(Integer, server_default="0")
    count: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        # Reads are index-only on PostgreSQL: a range per (centre, span), counts included.
        Index(
            "ix_report_tally_centre_span_bucket_at",
            "centre",
            "span",
            "bucket_at",
            "figure",
            "actor",
            "role",
            "hours_x100",
            postgresql_include=["count", "amount_cents"],
        ),
    )


@dataclass
class TallyReads:
    """What reading the tally took for one report: keys answered, and the rows summed
    into them (the benchmark's measure of whether a report grows with the caseload)."""

    keys: int = 0
    rows: int = 0
