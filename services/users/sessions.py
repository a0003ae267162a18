"""Console sign-in sessions, kept in the database: signing out ends one everywhere at once,
and a copied cookie is worth nothing afterwards.

The cookie holds a random token; the table holds only its SHA-256, so a copy of the
database does not hold live sessions. A session ends when signed out, after ``idle`` with
no request, after ``lifetime`` whatever happens, or when the account's token version moves
(disabled, new password). Callers own the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.db import Base, UtcDateTime
from services.users.model import User

# Idle time is kept to the minute: a request writes the row at most once a minute.
SEEN_EVERY = timedelta(minutes=1)


class ConsoleSessionRecord(Base):
    __tablename__ = "console_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    token_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class LiveSession:
    id_hash: str
    username: str
    token_version: int
    touched: bool  # its idle clock was moved on: the caller commits


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(*, session: Session, user: User, now: datetime, lifetime: timedelta) -> str:
    """A new session of ``user``; returns the token for the cookie (never stored). The
    user's sessions past their lifetime are forgotten on the way."""
    session.execute(
        delete(ConsoleSessionRecord).where(
            ConsoleSessionRecord.username == user.username,
            ConsoleSessionRecord.created_at < now - lifetime,
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSessionRecord(
            id_hash=_hash(token),
            username=user.username,
            token_version=user.token_version,
            created_at=now,
            seen_at=now,
        )
    )
    return token


def live_session(
    *, session: Session, token: str, now: datetime, idle: timedelta, lifetime: timedelta
) -> LiveSession | None:
    """The session of ``token`` if it is still live at ``now``; its idle clock moves on."""
    row = session.get(ConsoleSessionRecord, _hash(token))
    if row is None or row.ended_at is not None:
        return None
    if now - row.seen_at > idle or now - row.created_at > lifetime:
        return None
    touched = now - row.seen_at >= SEEN_EVERY
    if touched:
        row.seen_at = now
    return LiveSession(row.id_hash, row.username, row.token_version, touched)


def end_session(*, session: Session, id_hash: str, now: datetime) -> None:
    session.execute(
        update(ConsoleSessionRecord)
        .where(ConsoleSessionRecord.id_hash == id_hash, ConsoleSessionRecord.ended_at.is_(None))
        .values(ended_at=now)
    )


def hash_of(token: str) -> str:
    """The stored form of a session's token (what binds its CSRF tokens)."""
    return _hash(token)
