"""The one writer of the read model: appends accepted events and refreshes the case row,
then hands the case and its new events to the projectors of the other read tables (the
list is put together in services/read_model.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from services.cases import rules
from services.cases.identity import claimant_birth_date
from services.cases.model import CaseFile
from services.cases.names import identifier_hash
from services.cases.progress import open_tasks
from services.cases.records import CaseEventRecord, CaseNeedRecord, CaseRecord, CaseTaskRecord
from services.cases.sealing import (
    clocks_are_sealed,
    document_is_sealed,
    opened_clocks,
    opened_document,
    opened_payload,
    payload_is_sealed,
    sealed_clocks,
    sealed_column,
    sealed_document,
    sealed_payload,
)
from services.cases.search import CaseSearchTermRecord, case_terms, search_key
from services.cases.steps import CaseEvent
from services.cases.timeline import GENESIS_HASH, canonical_event, chain_hash
from services.crypto.case_keys import case_ring
from services.crypto.cipher import KeyRing
from services.kernel.values import stored_values


class TimelineGap(Exception):
    """Events arrived with a hole in the sequence: projecting them would lose a step."""


@dataclass(frozen=True)
class Projector:
    """What one read table keeps of a case, written in the projection's transaction."""

    # With the case row, whenever it is rewritten (never with an older case).
    case: Callable[[Session, CaseFile], None] | None = None
    # With the events just added to the timeline (never those already recorded).
    events: Callable[[Session, CaseFile, Sequence[CaseEventRecord]], None] | None = None


def fold_events(
    *,
    session: Session,
    case_id: str,
    events: Sequence[CaseEvent],
    identity_key: bytes,
    projectors: Sequence[Projector],
) -> int:
    """Project ``events`` onto the case as the read model holds it; return how many were
    new. Applying the case's own rules to its own events yields the workflow's case."""
    document = session.scalar(
        select(CaseRecord.document).where(CaseRecord.id == case_id).with_for_update()
    )
    with stored_values():
        case = (
            None
            if document is None
            else CaseFile.model_validate(readable_document(session, document))
        )
    for event in sorted(events, key=lambda e: e.seq):
        version = case.version if case else 0
        if event.seq <= version:
            continue
        if event.seq != version + 1:
            raise TimelineGap(f"case {case_id}: expected seq {version + 1}, got {event.seq}")
        case = rules.evolve(case, event)
    if case is None:
        raise TimelineGap(f"case {case_id}: no case to project onto and no opening event")
    return write_events(
        session=session,
        case=case,
        events=events,
        identity_key=identity_key,
        projectors=projectors,
    )


def write_events(
    *,
    session: Session,
    case: CaseFile,
    events: Sequence[CaseEvent],
    identity_key: bytes,
    projectors: Sequence[Projector],
    overwrite: bool = False,
) -> int:
    """Project ``events`` and ``case`` (the state after them); return how many were new.

    Idempotent on (case, seq): events already recorded are skipped and an older
    snapshot never overwrites a newer one, so retries and replays change nothing.
    ``overwrite`` rewrites the case row even at the same version (repairing drift).
    """
    ring = case_ring(session=session, case_id=case.id, create=True)
    if _upsert_case_row(session, case, identity_key, overwrite, ring):
        for projector in projectors:
            if projector.case is not None:
                projector.case(session, case)
        session.flush()
    last = session.execute(
        select(CaseEventRecord.seq, CaseEventRecord.hash)
        .where(CaseEventRecord.case_id == case.id)
        .order_by(CaseEventRecord.seq.desc())
        .limit(1)
    ).first()
    last_seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    added: list[CaseEventRecord] = []
    for event in sorted(events, key=lambda e: e.seq):
        if event.seq <= last_seq:
            continue
        if event.seq != last_seq + 1:
            raise TimelineGap(f"case {case.id}: expected seq {last_seq + 1}, got {event.seq}")
        row = _event_row(event, prev_hash, ring)
        session.add(row)
        last_seq, prev_hash = event.seq, row.hash
        added.append(row)
    session.flush()
    if added:
        for projector in projectors:
            if projector.events is not None:
                projector.events(session, case, added)
    return len(added)


def _event_row(event: CaseEvent, prev_hash: str, ring: KeyRing | None) -> CaseEventRecord:
    row = CaseEventRecord(
        case_id=event.case_id,
        seq=event.seq,
        type=event.type,
        actor=event.actor.id,
        role=event.actor.role.value,
        target=event.target,
        at=event.at,
        payload=sealed_payload(event.step.model_dump(mode="json"), ring, event.case_id),
        clocks=sealed_clocks(
            [clock.model_dump(mode="json") for clock in event.clocks], ring, event.case_id
        )
        or None,
        prev_hash=prev_hash,
    )
    # The chain covers the stored, sealed form: it still verifies once the key is gone.
    row.hash = chain_hash(prev_hash, canonical_row(row))
    return row


def readable_document(session: Session, document: dict[str, Any]) -> dict[str, Any]:
    """The stored case document with its personal fields opened (or marked erased)."""
    if not document_is_sealed(document):
        return document
    return opened_document(document, case_ring(session=session, case_id=document["id"]))


def readable_payload(session: Session, case_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A stored event payload with its personal fields opened (or marked erased)."""
    if not payload_is_sealed(payload):
        return payload
    return opened_payload(payload, case_ring(session=session, case_id=case_id), case_id)


def readable_clocks(
    session: Session, case_id: str, clocks: list[dict[str, Any]] | None
) -> list[dict[str, Any]] | None:
    """A stored event's clocks with their late reasons opened (or erased)."""
    if not clocks_are_sealed(clocks):
        return clocks
    assert clocks is not None
    return opened_clocks(clocks, case_ring(session=session, case_id=case_id), case_id)


def canonical_row(row: CaseEventRecord) -> bytes:
    return canonical_event(
        case_id=row.case_id,
        seq=row.seq,
        type=row.type,
        actor=row.actor,
        role=row.role,
        target=row.target,
        at=row.at,
        payload=row.payload,
        clocks=row.clocks,
    )


def _upsert_case_row(
    session: Session, case: CaseFile, identity_key: bytes, overwrite: bool, ring: KeyRing | None
) -> bool:
    """Write the case's row unless it holds this version already (or a newer one)."""
    row = session.get(CaseRecord, case.id, with_for_update=True)
    if row is None:
        row = CaseRecord(id=case.id, version=0)
        session.add(row)
    if row.version > case.version or (row.version == case.version and not overwrite):
        return False
    columns = case_columns(case, identity_key, erased=ring is None)
    columns["document"] = sealed_document(columns["document"], ring)
    for column in SEALED_COLUMNS:
        columns[column] = sealed_column(columns[column], ring, case.id, column)
    for column, value in columns.items():
        setattr(row, column, value)
    session.flush()
    _replace_search_terms(session, case, identity_key, erased=ring is None)
    return True


def reindex_cases(*, session: Session, identity_key: bytes) -> int:
    """Make every case's search terms again from its sealed name and summary."""
    count = 0
    for case_id, document in session.execute(select(CaseRecord.id, CaseRecord.document)).all():
        case = CaseFile.model_validate(readable_document(session, document))
        ring = case_ring(session=session, case_id=case_id)
        _replace_search_terms(session, case, identity_key, erased=ring is None)
        count += 1
    session.flush()
    return count


# A case has a hundred terms or so: written as one INSERT with plain parameters, not as
# many ORM objects for the unit of work to flush (a quarter of the CPU of projecting
# an intake).
_INSERT_TERM = insert(cast(Table, CaseSearchTermRecord.__table__))


def _replace_search_terms(
    session: Session, case: CaseFile, identity_key: bytes, *, erased: bool
) -> None:
    """The case's search terms: those of its name and summary, none once erased."""
    wanted = (
        set() if erased else case_terms(search_key(identity_key), case.claimant.name, case.summary)
    )
    stored = set(
        session.scalars(
            select(CaseSearchTermRecord.term).where(CaseSearchTermRecord.case_id == case.id)
        )
    )
    if stored - wanted:
        session.execute(
            delete(CaseSearchTermRecord).where(
                CaseSearchTermRecord.case_id == case.id,
                CaseSearchTermRecord.term.in_(stored - wanted),
            )
        )
    if wanted - stored:
        session.execute(
            _INSERT_TERM, [{"case_id": case.id, "term": term} for term in wanted - stored]
        )


def project_needs(session: Session, case: CaseFile) -> None:
    """One row per need, so that filtering by need uses an index."""
    wanted_needs = {need.value for need in case.needs}
    stored_needs = set(
        session.scalars(select(CaseNeedRecord.need).where(CaseNeedRecord.case_id == case.id))
    )
    session.execute(
        delete(CaseNeedRecord).where(
            CaseNeedRecord.case_id == case.id, CaseNeedRecord.need.not_in(wanted_needs)
        )
    )
    session.add_all(
        CaseNeedRecord(case_id=case.id, need=need) for need in wanted_needs - stored_needs
    )


def project_tasks(session: Session, case: CaseFile) -> None:
    """The work waiting on people, as of the case's latest state."""
    session.execute(delete(CaseTaskRecord).where(CaseTaskRecord.case_id == case.id))
    session.add_all(
        CaseTaskRecord(
            case_id=case.id,
            kind=task.kind.value,
            target=task.target,
            assignee=task.assignee,
            role=task.role.value,
            since=task.since,
            due_at=task.due_at,
        )
        for task in open_tasks(case)
    )


# Text columns of the row sealed under the case's key.
SEALED_COLUMNS = ("claimant_name", "summary")


def case_columns(case: CaseFile, identity_key: bytes, *, erased: bool = False) -> dict[str, Any]:
    """The cases row that ``case`` projects to (what a drift check compares against),
    with the document and the text columns still readable: they are sealed on the way
    into the row. Once ``erased``, nothing in it finds the person: no keyed hashes, no
    birth date."""
    claimant = case.claimant
    return {
        "version": case.version,
        "stage": case.stage.value,
        "category": case.claimant.category.value,
        "needs": [need.value for need in case.needs],
        "centre": case.centre,
        "intake_by": case.intake_by,
        "owner": case.owner,
        "priority": case.priority,
        "claimant_name": claimant.name,
        "national_id_hash": None if erased else _hash(identity_key, claimant.national_id),
        "phone_hash": None if erased else _hash(identity_key, claimant.phone),
        "birth_date": None if erased else claimant_birth_date(claimant),
        "lawyer": case.lawyer,
        "register_person_id": case.register_person_id,
        "overdue": any(clock.breached and clock.satisfied_at is None for clock in case.clocks),
        "summary": case.summary,
        "outcome": case.outcome.value if case.outcome else None,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "number": case.number,
        "document": case.model_dump(mode="json"),
    }


def _hash(key: bytes, value: str | None) -> str | None:
    return identifier_hash(key, value) if value else None
