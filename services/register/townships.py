"""Who visits which township's households (包片): one member of staff per township."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel.actors import Actor, Role
from services.kernel.errors import InvalidInput
from services.register import journal
from services.register.journal import Action
from services.register.records import PersonRecord, TownshipRecord
from services.users import accounts


class TownshipAssignment(BaseModel):
    township: str
    staff: str | None
    households: int


def assign_township(
    *, session: Session, centre: str, township: str, staff: str, actor: Actor
) -> TownshipAssignment:
    """``staff`` visits the township's households from the next campaign on; only an
    active member of staff of the centre (else 422 naming ``staff``)."""
    user = accounts.get_user(session=session, username=staff)
    if user is None or user.disabled or user.centre != centre or user.role is not Role.STAFF:
        raise InvalidInput("not an active member of staff of this centre", field="staff")
    at = datetime.now(UTC)
    row = session.get(TownshipRecord, (centre, township), with_for_update=True)
    if row is None:
        row = TownshipRecord(centre=centre, township=township)
        session.add(row)
    row.staff, row.assigned_by, row.assigned_at = staff, actor.id, at
    session.flush()
    journal.write(
        session=session, centre=centre, action=Action.TOWNSHIP_ASSIGNED, actor=actor,
        subject=township, detail={"staff": staff}, at=at,
    )  # fmt: skip
    return next(t for t in townships(session=session, centre=centre) if t.township == township)


def townships(*, session: Session, centre: str) -> list[TownshipAssignment]:
    """Every township with households in the register or a member of staff, by name."""
    counts = dict(
        session.execute(
            select(PersonRecord.township, func.count())
            .where(PersonRecord.centre == centre)
            .group_by(PersonRecord.township)
        ).all()
    )
    staff = staff_by_township(session=session, centre=centre)
    return [
        TownshipAssignment(township=name, staff=staff.get(name), households=counts.get(name, 0))
        for name in sorted(set(counts) | set(staff))
    ]


def staff_by_township(*, session: Session, centre: str) -> dict[str, str]:
    rows = session.execute(
        select(TownshipRecord.township, TownshipRecord.staff).where(TownshipRecord.centre == centre)
    ).all()
    return dict(rows)
