"""Erasing a case's personal data: its key destroyed, and with it everything that would
find the person again without it.

Sealed values (the claimant, the name and summary columns, free text on the timeline and
in the case document) become unreadable with the key. What is not sealed but derives from
the person is deleted here, in the same transaction: the keyed hashes of the ID number and
phone and the birth date in the case's row, the case's search terms (pieces of the name,
its pinyin and initials, of the summary), an intake hold on the person (keyed by the ID
number's hash), the link from a register visit to the case (the register names its
people), and the late reasons the escalation table copies from the case's clocks. The
claimant's person of the register is erased with the case: the register holds the same
identifiers (name, pinyin, birth date, keyed hashes) and would name them otherwise; what
its figures need (category, township, flags) stays.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Result, delete, text, update
from sqlalchemy.orm import Session

from services.campaigns.records import VisitRecord
from services.cases.intake_holds import IntakeHoldRecord
from services.cases.records import CaseRecord
from services.cases.search import CaseSearchTermRecord
from services.crypto.case_keys import destroy_case_key
from services.deadlines.records import EscalationRecord
from services.kernel.actors import SYSTEM_ACTOR
from services.register.people import PersonNotFound, erase_person

SETTLE_WAIT_MS = 2000


@dataclass(frozen=True)
class Erased:
    key_destroyed: bool  # False: it was destroyed before (what follows is done again)
    search_terms: int
    visits_unlinked: int
    person_erased: bool  # the claimant's person of the register, erased with the case


def erase_case(*, session: Session, case_id: str, at: datetime | None = None) -> Erased:
    """Destroy the case's key and delete what would identify its claimant without it.
    Idempotent: erasing an erased case deletes whatever a late projection wrote again."""
    at = at or datetime.now(UTC)
    if session.get_bind().dialect.name == "sqlite":
        # Overwrite what is deleted or changed with zeros rather than leave the old bytes
        # in the file's free space (set before the first delete of the transaction).
        session.execute(text("PRAGMA secure_delete = ON"))
    row = session.get(CaseRecord, case_id, with_for_update=True)
    person_erased = False
    if row is not None and row.register_person_id:
        # Not in the register (any more): nothing of theirs to erase there.
        with contextlib.suppress(PersonNotFound):
            person_erased = erase_person(
                session=session,
                person_id=row.register_person_id,
                centre=row.centre,
                actor=SYSTEM_ACTOR,
            )
    if row is not None:
        if row.national_id_hash:
            session.execute(
                delete(IntakeHoldRecord).where(IntakeHoldRecord.person_hash == row.national_id_hash)
            )
        row.national_id_hash = row.phone_hash = None
        row.birth_date = None
    terms = _count(
        session.execute(delete(CaseSearchTermRecord).where(CaseSearchTermRecord.case_id == case_id))
    )
    visits = _count(
        session.execute(
            update(VisitRecord).where(VisitRecord.case_id == case_id).values(case_id=None)
        )
    )
    session.execute(
        update(EscalationRecord).where(EscalationRecord.case_id == case_id).values(late_reason=None)
    )
    destroyed = destroy_case_key(session=session, case_id=case_id, at=at)
    session.flush()
    return Erased(
        key_destroyed=destroyed,
        search_terms=terms,
        visits_unlinked=visits,
        person_erased=person_erased,
    )


def _count(result: Result[Any]) -> int:
    """How many rows a DELETE or UPDATE touched."""
    return int(getattr(result, "rowcount", 0))


def settle_sqlite_file(engine: Engine) -> bool:
    """After an erasure on SQLite, move the write-ahead log into the database file and
    empty it: until then the log keeps earlier versions of the pages the erasure changed.
    False if a reader kept it from finishing (run it again when the processes are idle)."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        # It holds off writers while it waits for readers: a short wait, not the usual 30 s.
        usual = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
        connection.execute(text(f"PRAGMA busy_timeout={SETTLE_WAIT_MS}"))
        try:
            busy, _, _ = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        finally:
            connection.execute(text(f"PRAGMA busy_timeout={int(usual)}"))
    return not busy
