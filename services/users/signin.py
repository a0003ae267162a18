"""Signing in, without HTTP: the JSON route and the console's form both call :func:`sign_in`.

Failed sign-ins are counted in the database (``sign_in_failure``), so every API replica
sees the same counts, per user name and client address, per address, and in all. Only
failures count and only while under every limit, so the table holds at most the overall
limit's worth of rows per window: a flood cannot grow it, and no one's count is ever
pushed out by another's. A right password is not slowed by anyone else's failures but
those of the same address (or, past the overall limit, of everyone: a brake on a flood
from many addresses, set well above a centre's own traffic).

Each check of a password runs Argon2id (64 MiB): :class:`PasswordChecks` lets a few run at
once and a few more wait, and turns the rest away at once (503 with Retry-After) rather
than letting a flood queue on the threads that serve every other request.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session

from services.users.accounts import user_from_record
from services.users.errors import NotSignedIn, SignInBusy, TooManyAttempts
from services.users.model import User
from services.users.passwords import unknown_user_hash, verify_password
from services.users.records import SignInFailureRecord, UserRecord

ADDRESS_LENGTH = 64
USERNAME_LENGTH = 100


@dataclass(frozen=True)
class SignInLimits:
    """Failed sign-ins allowed within ``window``: per user name and address, per address,
    and in all."""

    per_user_address: int
    per_address: int
    overall: int
    window: timedelta


class PasswordChecks:
    """At most ``concurrency`` password checks at once and ``waiting`` more callers waiting
    for one; any further caller gets :class:`SignInBusy` at once."""

    def __init__(self, *, concurrency: int, waiting: int) -> None:
        self._running = threading.BoundedSemaphore(concurrency)
        self._admitted = threading.BoundedSemaphore(concurrency + waiting)

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._admitted.acquire(blocking=False):
            raise SignInBusy("too many sign-ins at once; retry in a moment", retry_after=1)
        try:
            with self._running:
                yield
        finally:
            self._admitted.release()


@dataclass(frozen=True)
class SignInGuard:
    """What one process applies to every sign-in: the limits and its password checks."""

    limits: SignInLimits
    checks: PasswordChecks


def sign_in(
    *,
    session: Session,
    guard: SignInGuard,
    username: str,
    password: str,
    address: str,
    now: datetime,
) -> User:
    """The user if ``password`` is theirs and the account is enabled, as it was before
    this sign-in (``last_signed_in_at`` is the previous one). Raises TooManyAttempts,
    SignInBusy or NotSignedIn (which says nothing of which part was wrong).

    It ends the session's transaction before the password check, so that no database
    connection is held while waiting for one: call it with nothing pending. Its writes
    (the failure, or the time of this sign-in) are the caller's to commit, whatever the
    outcome."""
    # Counted under the names the table can hold, so that a longer one is no way around.
    counted, address = username[:USERNAME_LENGTH], address[:ADDRESS_LENGTH]
    wait = seconds_until_allowed(
        session=session, limits=guard.limits, username=counted, address=address, now=now
    )
    if wait:
        raise TooManyAttempts("too many failed sign-ins; retry later", retry_after=wait)
    row = session.get(UserRecord, username)
    user = user_from_record(row) if row is not None else None
    stored = row.password_hash if row is not None else unknown_user_hash()
    session.rollback()
    with guard.checks.slot():
        matches = verify_password(stored, password)
    if user is None or not matches:
        _record_failure(session, guard.limits, counted, address, now)
    if user is None or not matches or user.disabled:
        raise NotSignedIn("wrong username or password, or the account is disabled")
    session.execute(
        update(UserRecord).where(UserRecord.username == username).values(last_signed_in_at=now)
    )
    return user


def seconds_until_allowed(
    *, session: Session, limits: SignInLimits, username: str, address: str, now: datetime
) -> int:
    """0 if a sign-in of ``username`` from ``address`` is within every limit now; else
    the seconds until it would be."""
    failed = SignInFailureRecord
    recent = select(failed.at).where(failed.at > now - limits.window, failed.at <= now)
    for query, limit in (
        (recent.where(failed.address == address, failed.username == username),
         limits.per_user_address),
        (recent.where(failed.address == address), limits.per_address),
        (recent, limits.overall),
    ):  # fmt: skip
        oldest = _limit_th_newest(session, query, limit)
        if oldest is not None:
            return max(1, math.ceil((oldest + limits.window - now).total_seconds()))
    return 0


def _limit_th_newest(session: Session, query: Select[Any], limit: int) -> datetime | None:
    # The limit is reached when there is a limit-th newest failure in the window; it
    # leaves the window first of those that make up the limit.
    return session.scalar(query.order_by(SignInFailureRecord.at.desc()).offset(limit - 1).limit(1))


def _record_failure(
    session: Session, limits: SignInLimits, username: str, address: str, now: datetime
) -> None:
    # Failures that left the window are of no more use: dropping them here keeps the
    # table as small as the limits make it.
    expired = SignInFailureRecord.at <= now - limits.window
    session.execute(delete(SignInFailureRecord).where(expired))
    session.add(SignInFailureRecord(at=now, username=username, address=address))
    session.flush()
