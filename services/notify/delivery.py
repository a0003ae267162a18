"""Delivering the outbox: claiming due messages, recording each attempt's outcome, and
what supervisors see and retry.

At least once: a dispatcher claims a message (status ``sending``, its token, a lease),
sends it, then records the outcome under that token. A dispatcher that dies between the
two leaves the claim to lapse; the message is then claimed again and sent with the same
message id, which receivers use to drop the repeat. Failed attempts wait longer each
time (doubling, capped); after ``max_attempts`` the message is dead-lettered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from services.cases.records import CaseRecord
from services.kernel.errors import NotFound, StepRejected
from services.kernel.values import Frozen
from services.notify.model import Channel, DeliveryStatus, message_id
from services.notify.outbox import OutboxRecord

QUEUED, SENDING, SENT, DEAD = (
    DeliveryStatus.QUEUED.value,
    DeliveryStatus.SENDING.value,
    DeliveryStatus.SENT.value,
    DeliveryStatus.DEAD.value,
)
ERROR_CHARS = 300


class UnknownNotification(NotFound):
    code = "notification_not_found"


class NotRetryable(StepRejected):
    code = "notification_not_retryable"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    first_wait: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)

    def wait_after(self, attempts: int) -> timedelta:
        return min(self.longest_wait, self.first_wait * 2 ** max(attempts - 1, 0))


class Claimed(Frozen):
    """A message claimed for one attempt: what its sender needs."""

    id: int
    claim: str
    message_id: str
    case_id: str
    seq: int
    clock_id: str
    kind: str
    recipient: str
    role: str
    message: str
    created_at: datetime
    due_at: datetime | None
    rung: str | None
    attempts: int


def claim_due(*, session: Session, now: datetime, limit: int, policy: RetryPolicy) -> list[Claimed]:
    """Claim up to ``limit`` messages due now (or whose claim lapsed), oldest first."""
    rows = session.scalars(
        select(OutboxRecord)
        .where(
            or_(
                and_(OutboxRecord.status == QUEUED, OutboxRecord.next_attempt_at <= now),
                and_(OutboxRecord.status == SENDING, OutboxRecord.lease_until < now),
            )
        )
        .order_by(OutboxRecord.next_attempt_at, OutboxRecord.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # another dispatcher's rows are left to it
    ).all()
    token = secrets.token_hex(16)
    claimed = []
    for row in rows:
        if row.attempts >= policy.max_attempts:  # its last attempt's dispatcher died
            _dead(row, "the last attempt did not finish (dispatcher stopped)", now)
            continue
        row.status, row.claim, row.lease_until = SENDING, token, now + policy.lease
        row.attempts += 1
        claimed.append(_claimed(row, token))
    session.flush()
    return claimed


def mark_sent(*, session: Session, claimed: Claimed, channel: Channel, now: datetime) -> bool:
    """Record the delivery; False if the claim had lapsed and someone else holds it."""
    result = session.execute(
        update(OutboxRecord)
        .where(OutboxRecord.id == claimed.id, OutboxRecord.claim == claimed.claim)
        .values(status=SENT, sent_at=now, channel=channel.value, claim=None, lease_until=None)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_failed(
    *,
    session: Session,
    claimed: Claimed,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    channel: Channel | None = None,
    permanent: bool = False,
) -> str | None:
    """Record a failed attempt: queued again after a wait, or dead-lettered when no
    attempt is left or none could succeed (``permanent``). The new status, or None if
    the claim had lapsed."""
    row = session.get(OutboxRecord, claimed.id, with_for_update=True)
    if row is None or row.claim != claimed.claim:
        return None
    row.channel = channel.value if channel else row.channel
    if permanent or row.attempts >= policy.max_attempts:
        _dead(row, error, now)
    else:
        row.status, row.claim, row.lease_until = QUEUED, None, None
        row.next_attempt_at = now + policy.wait_after(row.attempts)
        row.last_error = error[:ERROR_CHARS]
    session.flush()
    return row.status


def _dead(row: OutboxRecord, error: str, now: datetime) -> None:
    row.status, row.claim, row.lease_until = DEAD, None, None
    row.next_attempt_at = None
    row.last_error = error[:ERROR_CHARS]


def _claimed(row: OutboxRecord, token: str) -> Claimed:
    return Claimed(
        id=row.id,
        claim=token,
        message_id=message_id(row.case_id, row.seq, row.recipient),
        case_id=row.case_id,
        seq=row.seq,
        clock_id=row.clock_id,
        kind=row.kind,
        recipient=row.recipient,
        role=row.role,
        message=row.message,
        created_at=row.created_at,
        due_at=row.due_at,
        rung=row.rung,
        attempts=row.attempts,
    )


# ---- what supervisors see ---------------------------------------------------------------


class NotificationView(Frozen):
    id: int
    message_id: str
    case_id: str
    kind: str
    clock_id: str
    recipient: str
    channel: Channel | None
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None


def list_notifications(
    *,
    session: Session,
    centre: str,
    status: DeliveryStatus | None = None,
    case_id: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[NotificationView]:
    """Messages about the centre's cases, newest first."""
    query = (
        select(OutboxRecord)
        .join(CaseRecord, CaseRecord.id == OutboxRecord.case_id)
        .where(CaseRecord.centre == centre)
        .order_by(OutboxRecord.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(OutboxRecord.status == status.value)
    if case_id is not None:
        query = query.where(OutboxRecord.case_id == case_id)
    if before is not None:
        query = query.where(OutboxRecord.id < before)
    return [view_of(row) for row in session.scalars(query)]


def retry(
    *, session: Session, centre: str, notification_id: int, now: datetime
) -> NotificationView:
    """Send a dead-lettered (or waiting) message again now, with a fresh set of attempts."""
    row = session.scalar(
        select(OutboxRecord)
        .join(CaseRecord, CaseRecord.id == OutboxRecord.case_id)
        .where(OutboxRecord.id == notification_id, CaseRecord.centre == centre)
        .with_for_update(of=OutboxRecord)
    )
    if row is None:
        raise UnknownNotification(f"no notification {notification_id}", field="notification_id")
    if row.status not in (DEAD, QUEUED):
        raise NotRetryable(f"the notification is {row.status}", field="notification_id")
    row.status, row.attempts, row.next_attempt_at = QUEUED, 0, now
    session.flush()
    return view_of(row)


def view_of(row: OutboxRecord) -> NotificationView:
    return NotificationView(
        id=row.id,
        message_id=message_id(row.case_id, row.seq, row.recipient),
        case_id=row.case_id,
        kind=row.kind,
        clock_id=row.clock_id,
        recipient=row.recipient,
        channel=Channel(row.channel) if row.channel else None,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )
