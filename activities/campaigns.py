"""What the campaign workflow does outside itself: each method one transaction (or one
call to Temporal's schedule), safe to repeat."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.campaigns import figures, reminders, selection
from services.campaigns.figures import CampaignFigures
from services.campaigns.work import (
    AddToCampaign,
    CloseCampaign,
    HouseholdsAdded,
    OpenCampaign,
    Opened,
    RungSounded,
    SelectedPage,
    SelectPage,
    SoundRung,
)
from services.db import transaction
from services.kernel.errors import DomainError


class ScheduleKeeper(Protocol):
    async def keep_ahead(self, schedule_id: str) -> int:
        """Make sure the schedule's spec names the coming years' dates; how many it has."""
        ...


class CampaignActivities:
    def __init__(
        self, session_factory: sessionmaker[Session], schedules: ScheduleKeeper | None = None
    ) -> None:
        self._session_factory = session_factory
        self._schedules = schedules

    @activity.defn
    def open_campaign(self, order: OpenCampaign) -> Opened:
        with self._transaction() as session:
            return selection.open_campaign(session=session, order=order)

    @activity.defn
    def select_households(self, order: SelectPage) -> SelectedPage:
        with self._transaction() as session:
            return selection.select_page(session=session, order=order)

    @activity.defn
    def add_households(self, order: AddToCampaign) -> HouseholdsAdded:
        with self._transaction() as session:
            return selection.add_households(session=session, order=order)

    @activity.defn
    def sound_rung(self, order: SoundRung) -> RungSounded:
        with self._transaction() as session:
            return reminders.sound_rung(session=session, order=order)

    @activity.defn
    def close_campaign(self, order: CloseCampaign) -> CampaignFigures:
        with self._transaction() as session:
            return figures.close_campaign(session=session, order=order)

    @activity.defn
    async def keep_schedule_ahead(self, schedule_id: str) -> int:
        """The schedule's explicit dates reach years ahead again (0 with no keeper)."""
        return await self._schedules.keep_ahead(schedule_id) if self._schedules else 0

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One transaction; a domain refusal will not change on retry, so it fails the
        activity for good."""
        try:
            with transaction(self._session_factory) as session:
                yield session
        except DomainError as refused:
            raise ApplicationError(
                refused.message,
                {"code": refused.code, "field": refused.field},
                type=type(refused).__name__,
                non_retryable=True,
            ) from None
