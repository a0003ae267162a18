"""Projections that cannot succeed: which errors are worth retrying, and the record of a
case whose events the read model cannot take (until an operator mends the cause and
re-projects it with ``casework projection retry``).

A transient error (the database unreachable, a lock or statement timeout, a key not
loaded) is retried as ever. Any other error is a fact about the data or the code that
will fail again the same way: the case is recorded here, stuck, and its waiting step is
answered at once rather than held until the client gives up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, delete, func, select
from sqlalchemy.exc import (
    DisconnectionError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.crypto.case_keys import KeyUnavailable
from services.db import Base, UtcDateTime
from services.kernel.errors import DomainError

# The name a failed projection has in a case's history and in the API's problem details.
PROJECTION_FAILED = "ProjectionFailed"
# Retried: the database or its connection, a timeout, a key not loaded, a schema that is
# not migrated yet: each mended without touching the case.
TRANSIENT = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
    ProgrammingError,
    KeyUnavailable,
    OSError,
)
ERROR_LENGTH = 300


class ProjectionFailed(DomainError):
    """The step is recorded in the case, but the read model cannot take it: the answer
    waits on an operator (``casework projection retry``), not on the client."""

    code = "projection_failed"


class ProjectionFailureRecord(Base):
    """One stuck case: the first event its projection could not take, and why."""

    __tablename__ = "projection_failure"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(ERROR_LENGTH))
    attempts: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class StuckCase:
    case_id: str
    seq: int
    error: str
    attempts: int
    first_seen_at: datetime
    last_seen_at: datetime


def is_transient(error: BaseException) -> bool:
    if isinstance(error, TRANSIENT):
        return True
    return bool(getattr(error, "connection_invalidated", False))


def describe(error: BaseException) -> str:
    """The error's class and the first line of what the database said, never the values
    bound to the statement (which may be personal data)."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line}"[:ERROR_LENGTH]


def record_failure(*, session: Session, case_id: str, seq: int, error: str, now: datetime) -> None:
    row = session.get(ProjectionFailureRecord, case_id, with_for_update=True)
    if row is None:
        session.add(
            ProjectionFailureRecord(
                case_id=case_id,
                seq=seq,
                error=error,
                attempts=1,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
        return
    row.seq, row.error, row.last_seen_at = seq, error, now
    row.attempts += 1


def clear_failure(*, session: Session, case_id: str) -> None:
    session.execute(
        delete(ProjectionFailureRecord).where(ProjectionFailureRecord.case_id == case_id)
    )


def stuck_cases(*, session: Session, case_id: str | None = None) -> list[StuckCase]:
    query = select(ProjectionFailureRecord).order_by(ProjectionFailureRecord.first_seen_at)
    if case_id is not None:
        query = query.where(ProjectionFailureRecord.case_id == case_id)
    return [
        StuckCase(
            row.case_id, row.seq, row.error, row.attempts, row.first_seen_at, row.last_seen_at
        )
        for row in session.scalars(query)
    ]


def stuck_count(*, session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProjectionFailureRecord)) or 0
