"""The read model's writer, put together: the case row and its timeline, then the read
tables of each domain (needs and tasks, escalations, the report tally), in one
transaction. Activities and operator commands project through here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from services.cases.model import CaseFile
from services.cases.projection import (
    Projector,
    fold_events,
    project_needs,
    project_tasks,
    write_events,
)
from services.cases.steps import CaseEvent
from services.deadlines.escalations import project_escalations
from services.departments.referrals import make_referral_letters
from services.reports.tallies import tally_new_events

PROJECTORS: tuple[Projector, ...] = (
    Projector(case=project_needs),
    Projector(case=project_escalations),
    Projector(case=project_tasks),
    # Counted once, with the events: those already recorded were counted then.
    Projector(events=tally_new_events),
    # The referral letter, made once when a matter is referred (services/departments).
    Projector(events=make_referral_letters),
)


def fold_case_events(
    *, session: Session, case_id: str, events: Sequence[CaseEvent], identity_key: bytes
) -> int:
    """Project ``events`` onto the case as the read model holds it; return how many were
    new. Applying the case's own rules to its own events yields the workflow's case."""
    return fold_events(
        session=session,
        case_id=case_id,
        events=events,
        identity_key=identity_key,
        projectors=PROJECTORS,
    )


def record_case_events(
    *,
    session: Session,
    case: CaseFile,
    events: Sequence[CaseEvent],
    identity_key: bytes,
    overwrite: bool = False,
) -> int:
    """Project ``events`` and ``case`` (the state after them); return how many were new.

    Idempotent on (case, seq): events already recorded are skipped and an older
    snapshot never overwrites a newer one, so retries and replays change nothing.
    ``overwrite`` rewrites the case row even at the same version (repairing drift).
    """
    return write_events(
        session=session,
        case=case,
        events=events,
        identity_key=identity_key,
        projectors=PROJECTORS,
        overwrite=overwrite,
    )
