"""A small register and a campaign plan for the campaign tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench.register_data import national_id
from services.campaigns.model import CampaignPlan
from services.campaigns.records import CampaignNoticeRecord, CampaignVisitRecord
from services.campaigns.visits import Visit, VisitIn, record_visit
from services.db import transaction
from services.kernel.actors import Actor, Role
from services.register import people, townships
from services.register.model import PersonIn
from services.users import accounts
from services.users.model import User
from tests.conftest import TEST_IDENTITY_KEY

SUPERVISOR = Actor(id="campaign-supervisor", role=Role.SUPERVISOR)
SHANGHAI = timedelta(hours=8)


@dataclass
class Register:
    """A centre of its own with staff, townships and people, in one database."""

    factory: sessionmaker[Session]
    centre: str
    serial: int = 0

    @classmethod
    def new(cls, factory: sessionmaker[Session]) -> Register:
        return cls(factory, f"camp-{uuid.uuid4().hex[:10]}")

    def staff(self, name: str, *townships_: str) -> Actor:
        username = f"{name}@{self.centre}"
        with transaction(self.factory) as session:
            user = User(username=username, role=Role.STAFF, centre=self.centre)
            accounts.add_user(session=session, user=user, password="a password")
            for township in townships_:
                townships.assign_township(
                    session=session, centre=self.centre, township=township, staff=username,
                    actor=SUPERVISOR,
                )  # fmt: skip
        return Actor(id=username, role=Role.STAFF)

    def person(self, name: str, category: str, township: str, *flags: str) -> str:
        self.serial += 1
        person = PersonIn.model_validate({
            "name": name, "category": category, "township": township, "flags": list(flags),
            "national_id": national_id(date(1950, 1, 1) + timedelta(days=self.serial), self.serial),
        })  # fmt: skip
        with transaction(self.factory) as session:
            return people.add_person(
                session=session, person=person, centre=self.centre, actor=SUPERVISOR,
                identity_key=TEST_IDENTITY_KEY, confirm_new=True,
            ).id  # fmt: skip

    def plan(self, holiday: date, **overrides: Any) -> CampaignPlan:
        fields: dict[str, Any] = {
            "name": "春节走访慰问",
            "holiday": holiday,
            "window_start": local_today(),
            "window_end": holiday,
            "gift": {"cash": "500", "goods": [{"name": "大米", "value": "120"}]},
            "centre": self.centre,
            "created_by": SUPERVISOR.id,
        }
        return CampaignPlan.model_validate({**fields, **overrides})

    def visit(self, campaign_id: str, person_id: str, by: Actor, **fields: Any) -> Visit:
        body = {"person_id": person_id, "visited_on": local_today(), "reached": True, **fields}
        with transaction(self.factory) as session:
            return record_visit(
                session=session, campaign_id=campaign_id, centre=self.centre,
                visit=VisitIn.model_validate(body), actor=by,
            )  # fmt: skip

    def tasks(self, campaign_id: str) -> dict[str, tuple[str | None, int]]:
        """person id → (assignee, level raised to)."""
        with self.factory() as session:
            rows = session.scalars(
                select(CampaignVisitRecord).where(CampaignVisitRecord.campaign_id == campaign_id)
            )
            return {row.person_id: (row.assignee, row.level) for row in rows}

    def notices(self, campaign_id: str) -> list[tuple[int, str, int]]:
        """(rung, recipient, households) of the queued notices, in order."""
        with self.factory() as session:
            rows = session.scalars(
                select(CampaignNoticeRecord)
                .where(CampaignNoticeRecord.campaign_id == campaign_id)
                .order_by(CampaignNoticeRecord.rung, CampaignNoticeRecord.recipient)
            )
            return [(row.rung, row.recipient, row.households) for row in rows]


def local_today() -> date:
    return (datetime.now(UTC) + SHANGHAI).date()
