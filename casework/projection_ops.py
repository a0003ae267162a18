"""Drift between the workflows (the source of truth) and the read model: check and rebuild."""

from __future__ import annotations

from collections.abc import AsyncIterator

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from services.cases.model import CaseFile
from services.cases.progress import open_tasks
from services.cases.projection import SEALED_COLUMNS, case_columns, readable_document
from services.cases.records import CaseEventRecord, CaseNeedRecord, CaseRecord, CaseTaskRecord
from services.cases.sealing import opened_column
from services.cases.steps import CaseEvent
from services.cases.stuck import StuckCase, clear_failure, stuck_cases
from services.crypto.case_keys import case_ring
from services.db import transaction
from services.kernel.values import stored_values
from services.read_model import record_case_events
from workflows import client as cases
from workflows.case_contract import ProjectionRetry


class Drift(BaseModel):
    case_id: str
    problem: str


async def live_cases(client: Client) -> AsyncIterator[tuple[CaseFile, list[CaseEvent]]]:
    """Every running case workflow's case and history, from its own queries."""
    async for case_id in cases.running_case_ids(client):
        case = await cases.live_case(client, case_id)
        if case is None or case.id != case_id:
            continue
        yield case, await cases.run_history(client, case_id)


async def check(
    client: Client, session_factory: sessionmaker[Session], identity_key: bytes
) -> list[Drift]:
    drifts = []
    async for case, events in live_cases(client):
        with session_factory() as session:
            drifts += _differences(session, case, events, identity_key)
    return drifts


async def rebuild(
    client: Client, session_factory: sessionmaker[Session], identity_key: bytes
) -> int:
    """Write every live case and its missing timeline events; returns how many cases."""
    count = 0
    async for case, events in live_cases(client):
        with transaction(session_factory) as session:
            record_case_events(
                session=session, case=case, events=events, identity_key=identity_key, overwrite=True
            )
        count += 1
    return count


def _differences(
    session: Session, live: CaseFile, events: list[CaseEvent], identity_key: bytes
) -> list[Drift]:
    row = session.get(CaseRecord, live.id)
    if row is None:
        return [Drift(case_id=live.id, problem="missing from the read model")]
    drifts = []
    ring = case_ring(session=session, case_id=live.id)
    expected = case_columns(live, identity_key, erased=ring is None)
    stored = {name: getattr(row, name) for name in expected}
    for name in SEALED_COLUMNS:
        stored[name] = opened_column(stored[name], ring, live.id, name)
        if ring is None:  # erased: the live workflow still holds what the row may not
            expected[name] = stored[name]
    # Compared as case files: a document written before a field existed still matches.
    with stored_values():
        readable = CaseFile.model_validate(readable_document(session, row.document))
    stored["document"] = readable.model_dump(mode="json")
    if stored["document"]["claimant"].get("erased"):
        # Erased on purpose: the live workflow still holds what the read model no longer may.
        expected["document"] = stored["document"]
    columns = sorted(name for name, value in expected.items() if stored[name] != value)
    if columns:
        drifts.append(Drift(case_id=live.id, problem=f"differs in: {', '.join(columns)}"))
    stored_needs = set(
        session.scalars(select(CaseNeedRecord.need).where(CaseNeedRecord.case_id == live.id))
    )
    if stored_needs != {need.value for need in live.needs}:
        drifts.append(Drift(case_id=live.id, problem="needs differ"))
    stored_tasks = {
        (task.kind, task.target, task.assignee, task.role, task.since)
        for task in session.scalars(select(CaseTaskRecord).where(CaseTaskRecord.case_id == live.id))
    }
    live_tasks = {
        (task.kind.value, task.target, task.assignee, task.role.value, task.since)
        for task in open_tasks(live)
    }
    if stored_tasks != live_tasks:
        drifts.append(Drift(case_id=live.id, problem="open tasks differ"))
    recorded = session.scalar(
        select(func.count()).select_from(CaseEventRecord).where(CaseEventRecord.case_id == live.id)
    )
    if recorded != len(events):
        drifts.append(
            Drift(
                case_id=live.id, problem=f"timeline has {recorded} events, workflow {len(events)}"
            )
        )
    return drifts


def stuck(session_factory: sessionmaker[Session], case_id: str | None = None) -> list[StuckCase]:
    """The cases whose projection failed with an error that would fail again."""
    with session_factory() as session:
        return stuck_cases(session=session, case_id=case_id)


async def retry(
    client: Client, session_factory: sessionmaker[Session], case_id: str | None = None
) -> list[tuple[str, ProjectionRetry]]:
    """Ask each stuck case (or ``case_id``) to project what its read model lacks; each
    answers once its events are in, or with the error that stopped them again."""
    case_ids = [case_id] if case_id else [each.case_id for each in stuck(session_factory)]
    answers = []
    for each in case_ids:
        answer = await cases.retry_projection(client, each)
        if answer.projected:
            # A run that carried the events on may have projected them without a word.
            with transaction(session_factory) as session:
                clear_failure(session=session, case_id=each)
        answers.append((each, answer))
    return answers
