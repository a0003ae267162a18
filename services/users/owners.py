"""Accounts that own cases: a disabled one's open cases wait to be reassigned."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.cases.lifecycle import Stage
from services.cases.records import CaseRecord
from services.kernel.values import Frozen
from services.users.records import UserRecord


class DisabledOwner(Frozen):
    """A disabled account that still owns open cases: they wait to be reassigned."""

    owner: str
    open_cases: int


def disabled_owners(*, session: Session, centre: str) -> list[DisabledOwner]:
    """Disabled accounts of ``centre`` owning open cases, the most cases first."""
    count = func.count(CaseRecord.id)
    query = (
        select(CaseRecord.owner, count)
        .join(UserRecord, UserRecord.username == CaseRecord.owner)
        .where(
            CaseRecord.centre == centre,
            CaseRecord.stage != Stage.CLOSED.value,
            UserRecord.disabled.is_(True),
        )
        .group_by(CaseRecord.owner)
        .order_by(count.desc(), CaseRecord.owner)
    )
    return [DisabledOwner(owner=owner, open_cases=n) for owner, n in session.execute(query)]
