"""The default notifier: an outbox table (for a sender to deliver later) and the log."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.db import Base, UtcDateTime
from services.notify.model import Notification

log = structlog.stdlib.get_logger(__name__)


class OutboxRecord(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    clock_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_outbox_case_id"),)


def enqueue(*, session: Session, notification: Notification) -> bool:
    """Queue it unless it is queued already; True if it is new."""
    exists = session.scalar(
        select(OutboxRecord.id).where(
            OutboxRecord.case_id == notification.case_id, OutboxRecord.seq == notification.seq
        )
    )
    if exists is not None:
        return False
    session.add(
        OutboxRecord(
            case_id=notification.case_id,
            seq=notification.seq,
            clock_id=notification.clock_id,
            kind=notification.kind,
            recipient=notification.recipient,
            role=notification.role.value,
            message=notification.message,
            created_at=notification.at,
        )
    )
    session.flush()
    log.info(
        "notification queued",
        case_id=notification.case_id,
        clock_id=notification.clock_id,
        kind=notification.kind,
        recipient=notification.recipient,
    )
    return True
