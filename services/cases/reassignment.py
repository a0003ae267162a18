"""Moving cases from one owner to another: what a reassignment asks, what happened to each
case, and the read that finds the cases to move. Pure values and queries (no Temporal)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases.lifecycle import Stage
from services.cases.records import CaseRecord
from services.kernel.actors import Actor
from services.kernel.values import Frozen

# Cases one reassignment moves at most: their ids travel in the workflow's history.
MOST_CASES = 20_000


class CasesOf(Frozen):
    """The open cases of ``owner`` in ``centre``, oldest first."""

    centre: str
    owner: str


class CaseMove(Frozen):
    """Give one case to ``owner``; ``key`` makes a repeat of the move a no-op."""

    case_id: str
    owner: str
    actor: Actor
    reason: str | None = None
    key: str


class MoveOutcome(Frozen):
    case_id: str
    moved: bool
    seq: int | None = None  # the case's event that moved it
    code: str | None = None  # why not (the case's refusal, or ``no_case``)
    message: str | None = None


class MoveFailure(Frozen):
    case_id: str
    code: str
    message: str | None = None


class ReassignmentProgress(Frozen):
    """Where a reassignment stands: ``done + failed + left == total``."""

    id: str
    centre: str
    from_owner: str | None = None
    to_owner: str
    requested_by: str
    reason: str | None = None
    total: int | None = Field(default=None, description="None until the cases are listed")
    done: int = 0
    failed: list[MoveFailure] = Field(default_factory=list)
    left: int | None = None
    finished: bool = False


def open_cases_of(*, session: Session, request: CasesOf) -> list[str]:
    query = (
        select(CaseRecord.id)
        .where(
            CaseRecord.centre == request.centre,
            CaseRecord.owner == request.owner,
            CaseRecord.stage != Stage.CLOSED.value,
        )
        .order_by(CaseRecord.opened_at, CaseRecord.id)
        .limit(MOST_CASES)
    )
    return list(session.scalars(query))


def cases_in_centre(*, session: Session, centre: str, case_ids: Sequence[str]) -> set[str]:
    """Those of ``case_ids`` that are cases of ``centre``."""
    found: set[str] = set()
    ids = list(dict.fromkeys(case_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found |= set(
            session.scalars(
                select(CaseRecord.id).where(CaseRecord.id.in_(chunk), CaseRecord.centre == centre)
            )
        )
    return found
