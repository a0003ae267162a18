"""Cases recorded straight into the read model (no Temporal) for the supervisor's pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from services.cases.model import Claimant, ClaimantCategory, Need
from services.db import transaction
from services.job_referral.model import RecordOffer, RecordPlacement, ReferToJob
from services.read_model import record_case_events
from tests.conftest import TEST_IDENTITY_KEY
from tests.support import intake
from tests.unit.story import Story

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}  # the stories' year (Story starts 2026-03-02)


def record(session_factory: sessionmaker[Session], story: Story) -> None:
    with transaction(session_factory) as session:
        record_case_events(
            session=session, case=story.current, events=story.events, identity_key=TEST_IDENTITY_KEY
        )


def placed(name: str = "王建国", category: ClaimantCategory = ClaimantCategory.VETERAN) -> Story:
    """A case of the north centre whose claimant was placed in a job, a day after referral."""
    claimant = Claimant(name=name, category=category)
    story = Story.active(Need.JOB_REFERRAL, centre="north", claimant=claimant)
    story.take(ReferToJob(employer="县物流公司", position="驾驶员", referred_on=date(2026, 3, 2)))
    referral = f"R{story.last.seq}"
    story.later(timedelta(days=1))
    story.take(RecordOffer(), referral)
    story.take(RecordPlacement(starts_on=date(2026, 3, 9), monthly_wage=Decimal(4200)), referral)
    return story


def overdue(name: str, opened: datetime, days: int) -> Story:
    """A case of the north centre whose eligibility decision is ``days`` days overdue."""
    story = Story(at=opened)
    story.take(
        intake(
            Need.TRAINING,
            centre="north",
            claimant=Claimant(name=name, category=ClaimantCategory.VETERAN),
        )
    )
    story.later(timedelta(days=days))
    return story
