"""The cases of a person of the register, for their page: what the read model holds of
each (no personal data: the case's own page has that, with its access log)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases.records import CaseRecord
from services.kernel.actors import Actor
from services.register import journal, people
from services.register.journal import Action


class PersonCase(BaseModel):
    id: str
    stage: str
    needs: list[str]
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None


def cases_of_person(
    *, session: Session, person_id: str, centre: str, reader: Actor, limit: int = 200
) -> list[PersonCase]:
    """The person's cases at this centre, newest first (the read is journaled)."""
    people.stored_person(session=session, person_id=person_id, centre=centre)
    rows = session.scalars(
        select(CaseRecord)
        .where(CaseRecord.register_person_id == person_id, CaseRecord.centre == centre)
        .order_by(CaseRecord.opened_at.desc(), CaseRecord.id)
        .limit(limit)
    ).all()
    journal.write(
        session=session, centre=centre, action=Action.CASES_READ, actor=reader,
        person_id=person_id, detail={"cases": len(rows)},
    )  # fmt: skip
    return [
        PersonCase(
            id=row.id,
            stage=row.stage,
            needs=list(row.needs),
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            outcome=row.outcome,
        )
        for row in rows
    ]
