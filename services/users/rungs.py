"""Whether every rung of the escalation ladder reaches someone: a rung of a role that no
active account of the centre holds would hear of breaches that nobody reads."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.deadlines.policy import LADDER
from services.kernel.values import Frozen
from services.users.records import UserRecord


class EmptyRung(Frozen):
    rung: str
    role: str
    centre: str


def empty_rungs(*, session: Session, centre: str) -> list[EmptyRung]:
    """The rungs whose role no active account of ``centre`` holds (the first rung, the
    clock's assignee, always names a person)."""
    held = set(
        session.scalars(
            select(UserRecord.role)
            .where(UserRecord.centre == centre, UserRecord.disabled.is_(False))
            .distinct()
        )
    )
    return [
        EmptyRung(rung=rung, role=role.value, centre=centre)
        for rung, role in LADDER
        if role is not None and role.value not in held
    ]
