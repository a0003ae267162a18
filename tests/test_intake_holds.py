"""The hold on a person during their intake, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from services.cases.intake_holds import release, try_hold

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


def test_one_desk_at_a_time_holds_a_person_until_released_or_expired(
    session_factory: sessionmaker[Session],
) -> None:
    person = uuid.uuid4().hex

    def hold(holder: str, at: datetime) -> bool:
        return try_hold(session_factory, person_hash=person, holder=holder, now=at, ttl=TTL)

    assert hold("desk-a", NOW)
    assert not hold("desk-b", NOW + timedelta(seconds=1))
    release(session_factory, person_hash=person, holder="desk-b")  # not theirs: no effect
    assert not hold("desk-b", NOW + timedelta(seconds=2))
    release(session_factory, person_hash=person, holder="desk-a")
    assert hold("desk-b", NOW + timedelta(seconds=3))
    # desk-b never comes back: its hold lapses, and desk-a's late release frees nothing.
    assert hold("desk-a", NOW + timedelta(seconds=3) + TTL)
    release(session_factory, person_hash=person, holder="desk-b")
    assert not hold("desk-c", NOW + timedelta(seconds=4) + TTL)
    assert try_hold(
        session_factory, person_hash=uuid.uuid4().hex, holder="desk-c", now=NOW, ttl=TTL
    ), "another person is not held"
