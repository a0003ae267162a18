"""What a case needs from outside to keep its deadlines: the calendar and policy, and a
way to tell people."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from services.db import transaction
from services.deadlines.clocks import DeadlineRules, RulesRequest, rules_in_force
from services.deadlines.policy import ClockPolicy
from services.notify.model import Notification
from services.notify.outbox import enqueue
from services.notify.recipients import people_to_tell


class DeadlineActivities:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        calendar_directory: Path,
        utc_offset_minutes: int,
        policy: ClockPolicy,
    ) -> None:
        self._session_factory = session_factory
        self._calendar_directory = calendar_directory
        self._utc_offset_minutes = utc_offset_minutes
        self._policy = policy

    @activity.defn(name="load_deadline_rules")
    def load_deadline_rules(self, request: RulesRequest) -> DeadlineRules:
        """The calendar years around ``at`` and the clock policy, as in force now."""
        return rules_in_force(
            request.at, self._calendar_directory, self._utc_offset_minutes, self._policy
        )

    @activity.defn(name="notify")
    def notify(self, notifications: list[Notification]) -> int:
        """Queue each notification once, a message per person it reaches (idempotent on
        case and sequence number)."""
        with transaction(self._session_factory) as session:
            return sum(
                enqueue(
                    session=session,
                    notification=n,
                    people=people_to_tell(session=session, notification=n),
                )
                for n in notifications
            )
