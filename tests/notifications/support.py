"""Cases, people and notifications for the notification tests, written straight to the
database (the outbox is what the case workflow's activity writes)."""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from services.cases.records import CaseRecord
from services.db import transaction
from services.kernel.actors import Role
from services.notify.contacts import set_contact
from services.notify.model import Contact, Notification
from services.notify.outbox import enqueue
from services.notify.recipients import people_to_tell
from services.users import accounts
from services.users.model import User

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in the centre (UTC+8)


def a_case(session_factory: sessionmaker[Session], centre: str) -> str:
    case_id = str(uuid.uuid4())
    with transaction(session_factory) as session:
        session.add(
            CaseRecord(
                id=case_id, version=1, stage="assessment", category="veteran", needs=[],
                centre=centre, intake_by="desk", priority=False, claimant_name="王建国",
                opened_at=NOW, updated_at=NOW, document={},
            )
        )  # fmt: skip
    return case_id


def a_person(
    session_factory: sessionmaker[Session],
    centre: str,
    role: Role,
    contact: Contact,
    *,
    language: str | None = None,
) -> str:
    # Letters only: a run of digits in an error text is masked as a possible phone number.
    username = f"{role.value}-{''.join(random.choices(string.ascii_lowercase, k=10))}"
    with transaction(session_factory) as session:
        accounts.add_user(
            session=session, user=User(username=username, role=role, centre=centre), password="pw"
        )
        set_contact(session=session, username=username, contact=contact)
        if language:
            accounts.set_language(session=session, username=username, language=language)
    return username


def breach(
    case_id: str, recipient: str, role: Role, *, seq: int = 7, rung: str | None = "supervisor"
) -> Notification:
    return Notification(
        case_id=case_id,
        seq=seq,
        clock_id="acknowledgement:M1@3",
        kind="breached",
        recipient=recipient,
        role=role,
        message=f"case {case_id}: acknowledgement M1 is late",
        at=NOW,
        due_at=NOW - timedelta(days=2, hours=3),
        rung=rung,
    )


def queue(session_factory: sessionmaker[Session], notification: Notification) -> None:
    with transaction(session_factory) as session:
        enqueue(
            session=session,
            notification=notification,
            people=people_to_tell(session=session, notification=notification),
        )
