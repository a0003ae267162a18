"""The outbox: one row per message to one person, written in the step's activity and
delivered later by the dispatcher (``services/notify/delivery.py``)."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.db import Base, UtcDateTime
from services.notify.model import DeliveryStatus, Notification

log = structlog.stdlib.get_logger(__name__)


class OutboxRecord(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    clock_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(100))  # a user name (or an unfilled rung)
    role: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rung: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), server_default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A dispatcher's claim: its token, good until lease_until (then any dispatcher may
    # take the row again: the one that held it died or hung).
    claim: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    channel: Mapped[str | None] = mapped_column(String(10))
    last_error: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        UniqueConstraint("case_id", "seq", "recipient", name="uq_outbox_case_id_seq_recipient"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )


def enqueue(*, session: Session, notification: Notification, people: list[str]) -> bool:
    """Queue one message per person unless the notification is queued already; True if
    it is new. ``people`` are those it reaches (``recipients.people_to_tell``)."""
    exists = session.scalar(
        select(OutboxRecord.id).where(
            OutboxRecord.case_id == notification.case_id, OutboxRecord.seq == notification.seq
        )
    )
    if exists is not None:
        return False
    for person in people or [notification.recipient]:
        session.add(
            OutboxRecord(
                case_id=notification.case_id,
                seq=notification.seq,
                clock_id=notification.clock_id,
                kind=notification.kind,
                recipient=person,
                role=notification.role.value,
                message=notification.message,
                created_at=notification.at,
                due_at=notification.due_at,
                rung=notification.rung,
                status=DeliveryStatus.QUEUED.value,
                attempts=0,
                next_attempt_at=notification.at,
            )
        )
    session.flush()
    log.info(
        "notification queued",
        case_id=notification.case_id,
        clock_id=notification.clock_id,
        kind=notification.kind,
        recipients=len(people) or 1,
    )
    return True
