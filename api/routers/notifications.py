"""Notifications: what was sent to whom, what failed and why, a retry; and how each
person is reached (their contact details, sealed at rest)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import SessionDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from services.notify import contacts, delivery
from services.notify.delivery import NotificationView
from services.notify.model import Contact, DeliveryStatus
from services.users import accounts
from services.users.errors import UnknownUser
from services.users.model import User

router = APIRouter(tags=["notifications"], responses=PROBLEMS)
NotificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
UsernamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._@-]{1,100}$")]


@router.get("/notifications")
def list_notifications(
    user: SignedIn,
    session: SessionDep,
    status: DeliveryStatus | None = None,
    case_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[NotificationView]:
    """Messages about the centre's cases, newest first: to whom, status, attempts and the
    last error (masked)."""
    return delivery.list_notifications(
        session=session,
        centre=user.centre,
        status=status,
        case_id=str(case_id) if case_id else None,
        limit=limit,
        before=before,
    )


@router.post("/notifications/{notification_id}/retry")
def retry_notification(
    notification_id: NotificationId, user: SignedIn, session: SessionDep
) -> NotificationView:
    """Send a dead-lettered (or waiting) message again now, with a fresh set of attempts."""
    retried = delivery.retry(
        session=session, centre=user.centre, notification_id=notification_id, now=datetime.now(UTC)
    )
    session.commit()
    return retried


@router.get("/users/{username}/contact")
def get_contact(username: UsernamePath, admin: SignedIn, session: SessionDep) -> Contact:
    """How notifications reach the account's owner."""
    _of_centre(session, username, admin)
    return contacts.contact_of(session=session, username=username) or Contact()


@router.put("/users/{username}/contact")
def set_contact(
    username: UsernamePath, body: Contact, admin: SignedIn, session: SessionDep
) -> Contact:
    """Set the owner's email, phone, webhook (a chat robot) and preferred channel."""
    _of_centre(session, username, admin)
    contact = contacts.set_contact(session=session, username=username, contact=body)
    session.commit()
    return contact


def _of_centre(session: SessionDep, username: str, admin: User) -> None:
    user = accounts.get_user(session=session, username=username)
    if user is None or user.centre != admin.centre:
        raise UnknownUser(f"no user {username}", field="username")
