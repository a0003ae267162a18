"""Tables of breached deadlines, for supervisors across cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime


class EscalationRecord(Base):
    """One breached clock: how far up the ladder it went and, once met, how late."""

    __tablename__ = "escalation"

    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    clock_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    target: Mapped[str | None] = mapped_column(String(40))
    centre: Mapped[str] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(Integer)
    rung: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    satisfied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    late_by_seconds: Mapped[int | None] = mapped_column(Integer)
    late_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_escalation_centre_due_at", "centre", "due_at"),
        Index("ix_escalation_kind_due_at", "kind", "due_at"),
        Index("ix_escalation_assignee_due_at", "assignee", "due_at"),
    )
