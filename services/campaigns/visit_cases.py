"""A need found on a visit becomes a case: what intake needs from the visit, and the
visit's record of the case opened from it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.campaigns.records import CampaignRecord, VisitRecord
from services.campaigns.visits import PLACE
from services.kernel.actors import Actor
from services.kernel.errors import NotFound, StepRejected
from services.register import journal, people, sealing
from services.register.journal import Action
from services.register.model import Person


class VisitNotFound(NotFound):
    code = "visit_not_found"


class VisitHasCase(StepRejected):
    code = "visit_has_case"


def person_and_findings(
    *,
    session: Session,
    campaign_id: str,
    visit_id: str,
    centre: str,
    reader: Actor,
    repeat_of: str | None = None,
) -> tuple[Person, str | None]:
    """The person visited (personal data opened, the read journaled) and what the visit
    found; refused if a case was opened from the visit already, unless it is ``repeat_of``
    (the case a repeated request would open)."""
    row = _visit_row(session, campaign_id, visit_id, centre)
    if row.case_id is not None and row.case_id != repeat_of:
        raise VisitHasCase(
            f"case {row.case_id} was opened from this visit already",
            field="visit_id",
            extra={"case_id": row.case_id},
        )
    person = people.read_person(
        session=session, person_id=row.person_id, centre=centre, reader=reader
    )
    findings = None
    if row.findings and not person.erased:
        stored = people.stored_person(session=session, person_id=row.person_id, centre=centre)
        ring = sealing.person_ring(stored.id, stored.wrapped_key)
        findings = sealing.open_sealed(ring, PLACE, row.id, row.findings)["findings"]
    return person, findings


def link_case(
    *, session: Session, campaign_id: str, visit_id: str, centre: str, case_id: str, actor: Actor
) -> None:
    """Record on the visit the case opened from it (journaled); a repeat changes nothing.
    A visit keeps the first case opened from it."""
    row = _visit_row(session, campaign_id, visit_id, centre, for_update=True)
    if row.case_id == case_id:
        return
    if row.case_id is not None:
        raise VisitHasCase(
            f"case {row.case_id} was opened from this visit already",
            field="visit_id",
            extra={"case_id": row.case_id},
        )
    row.case_id = case_id
    session.flush()
    journal.write(
        session=session, centre=centre, action=Action.VISIT_CASE_OPENED, actor=actor,
        person_id=row.person_id, subject=case_id, detail={"visit_id": visit_id},
    )  # fmt: skip


def _visit_row(
    session: Session, campaign_id: str, visit_id: str, centre: str, for_update: bool = False
) -> VisitRecord:
    query = (
        select(VisitRecord)
        .join(CampaignRecord, CampaignRecord.id == VisitRecord.campaign_id)
        .where(
            VisitRecord.id == visit_id,
            VisitRecord.campaign_id == campaign_id,
            CampaignRecord.centre == centre,
        )
    )
    row = session.scalar(query.with_for_update(of=VisitRecord) if for_update else query)
    if row is None:
        raise VisitNotFound(f"no visit {visit_id} in campaign {campaign_id}")
    return row
