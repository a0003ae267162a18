"""The open cases of a centre now: how many at each stage, and with each caseworker."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.cases.lifecycle import Stage
from services.cases.records import CaseRecord


class OwnerCount(BaseModel):
    owner: str  # the staff member who took the case in, whose work it is by default
    cases: int


class OpenCases(BaseModel):
    by_stage: dict[Stage, int]
    by_owner: list[OwnerCount]  # most cases first


def open_cases(*, session: Session, centre: str, owners: int = 50) -> OpenCases:
    """Counts of the centre's cases not closed, by stage and by owner (at most ``owners``)."""
    still_open = (CaseRecord.centre == centre, CaseRecord.stage != Stage.CLOSED.value)
    by_stage = select(CaseRecord.stage, func.count()).where(*still_open)
    stages: dict[str, int] = {
        stage: n for stage, n in session.execute(by_stage.group_by(CaseRecord.stage))
    }
    count = func.count().label("cases")
    owner_rows = session.execute(
        select(CaseRecord.intake_by, count)
        .where(*still_open)
        .group_by(CaseRecord.intake_by)
        .order_by(count.desc(), CaseRecord.intake_by)
        .limit(owners)
    ).all()
    return OpenCases(
        by_stage={
            stage: stages.get(stage.value, 0) for stage in Stage if stage is not Stage.CLOSED
        },
        by_owner=[OwnerCount(owner=owner, cases=cases) for owner, cases in owner_rows],
    )
