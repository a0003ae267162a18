"""Who a notification reaches: the named person, or everyone holding the rung's role at
the case's centre (a breach escalated to "supervisor" tells each supervisor there)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases.records import CaseRecord
from services.notify.model import Notification
from services.users.records import UserRecord

DEPARTMENT_PREFIX = "department:"


def department_to_chase(notification: Notification) -> str | None:
    """The department whose acknowledgement falls due soon (the chase), if this is that
    warning: the acknowledgement clock's target is ``<matter>/<department>``."""
    kind, _, target = notification.clock_id.split("@", 1)[0].partition(":")
    if notification.kind != "due_soon" or kind != "acknowledgement" or "/" not in target:
        return None
    return target.rsplit("/", 1)[1]


def people_to_tell(*, session: Session, notification: Notification) -> list[str]:
    """User names, sorted (and, for the chase, ``department:<name>`` last); empty when
    no one holds the rung (the message is then queued to the rung's name and
    dead-lettered, for a supervisor to see)."""
    people = _people(session, notification)
    department = department_to_chase(notification)
    if department is not None:
        people = [*(people or [notification.recipient]), f"{DEPARTMENT_PREFIX}{department}"]
    return people


def _people(session: Session, notification: Notification) -> list[str]:
    named = session.get(UserRecord, notification.recipient)
    if named is not None and not named.disabled:
        return [named.username]
    centre = session.scalar(select(CaseRecord.centre).where(CaseRecord.id == notification.case_id))
    if centre is None or named is not None:
        return []
    return list(
        session.scalars(
            select(UserRecord.username)
            .where(
                UserRecord.centre == centre,
                UserRecord.role == notification.role.value,
                UserRecord.disabled.is_(False),
            )
            .order_by(UserRecord.username)
        )
    )
