"""A short hold on a person while their intake is checked for duplicates and opened, so
that two desks cannot open duplicate cases at once.

One row per held person, keyed by the keyed hash of their ID number (no personal data);
the primary key is the lock. A hold expires if its holder never comes back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from services.db import Base, UtcDateTime, transaction


class IntakeHoldRecord(Base):
    __tablename__ = "intake_hold"

    person_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


def try_hold(
    session_factory: sessionmaker[Session],
    *,
    person_hash: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
) -> bool:
    """Hold the person for ``holder`` unless someone else holds them; True if held."""
    with transaction(session_factory) as session:
        session.execute(
            delete(IntakeHoldRecord).where(
                IntakeHoldRecord.person_hash == person_hash, IntakeHoldRecord.expires_at <= now
            )
        )
    try:
        with transaction(session_factory) as session:
            session.add(
                IntakeHoldRecord(person_hash=person_hash, holder=holder, expires_at=now + ttl)
            )
    except IntegrityError:
        return False
    return True


def release(session_factory: sessionmaker[Session], *, person_hash: str, holder: str) -> None:
    """Let the person go, if ``holder`` still holds them (an expired hold may be another's)."""
    with transaction(session_factory) as session:
        session.execute(
            delete(IntakeHoldRecord).where(
                IntakeHoldRecord.person_hash == person_hash, IntakeHoldRecord.holder == holder
            )
        )
