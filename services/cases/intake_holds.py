"""A short hold on a person while their intake is checked for duplicates and opened, so
that two desks cannot open duplicate cases at once.

One row per held person, keyed by the keyed hash of their ID number (no personal data);
the primary key is the lock. A hold expires if its holder never comes back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from services.db import Base, UtcDateTime, lazy_commit, transaction


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
    """Hold the person for ``holder`` unless someone else holds them; True if held.

    One statement: take the row if it is free or its hold has lapsed. Committed without
    waiting for the disk: a hold lasts seconds, and one lost with the database server
    only lets an intake that started at that very moment skip its wait."""
    with transaction(session_factory) as session:
        lazy_commit(session)
        upsert = _insert_for(session)(IntakeHoldRecord).values(
            person_hash=person_hash, holder=holder, expires_at=now + ttl
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[IntakeHoldRecord.person_hash],
            set_={"holder": upsert.excluded.holder, "expires_at": upsert.excluded.expires_at},
            where=IntakeHoldRecord.expires_at <= now,
        )
        taken = session.execute(upsert.returning(IntakeHoldRecord.holder)).scalar_one_or_none()
    return taken == holder


def _insert_for(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def release(session_factory: sessionmaker[Session], *, person_hash: str, holder: str) -> None:
    """Let the person go, if ``holder`` still holds them (an expired hold may be another's)."""
    with transaction(session_factory) as session:
        lazy_commit(session)
        session.execute(
            delete(IntakeHoldRecord).where(
                IntakeHoldRecord.person_hash == person_hash, IntakeHoldRecord.holder == holder
            )
        )
