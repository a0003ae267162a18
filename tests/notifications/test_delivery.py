"""Delivering the outbox through people's channels, on both databases: a real SMTP
server and a webhook receiver on loopback, the dispatcher's clock moved by hand."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from services.crypto.cipher import DecryptionError
from services.db import transaction
from services.departments.links import LinkGrant, read_link
from services.departments.records import ReferralLetterRecord
from services.kernel.actors import Role
from services.notify import delivery
from services.notify.channels import ChannelSettings, Sender
from services.notify.contacts import open_contact
from services.notify.delivery import RetryPolicy
from services.notify.dispatch import Dispatcher
from services.notify.model import Channel, Contact, DeliveryStatus, message_id
from services.notify.outbox import OutboxRecord
from services.notify.render import Renderer
from services.users.records import UserRecord
from tests.notifications.receivers import Mailbox, Webhook, smtp_server, webhook_receiver
from tests.notifications.support import NOW, a_case, a_person, breach, queue

POLICY = RetryPolicy(
    max_attempts=3,
    first_wait=timedelta(seconds=30),
    longest_wait=timedelta(minutes=5),
    lease=timedelta(seconds=60),
)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as mailbox:
        yield mailbox


@pytest.fixture
def hook() -> Iterator[Webhook]:
    with webhook_receiver() as hook:
        yield hook


def dispatcher(
    session_factory: sessionmaker[Session], mailbox: Mailbox, clock: Clock
) -> Dispatcher:
    return Dispatcher(
        session_factory,
        sender=Sender(ChannelSettings(smtp_url=mailbox.url(), timeout_seconds=5)),
        renderer=Renderer(timezone="Asia/Shanghai", console_url="https://casework.example.org"),
        policy=POLICY,
        clock=clock,
    )


def rows(session_factory: sessionmaker[Session], case_id: str) -> list[OutboxRecord]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.case_id == case_id)
                .order_by(OutboxRecord.id)
            )
        )


def drain(tell: Dispatcher) -> None:
    """Rounds until nothing is due (other tests' messages in the database included:
    each test checks its own case's rows)."""
    for _ in range(20):
        if not tell.run_once():
            return


def centre() -> str:
    return f"centre-{uuid.uuid4().hex[:8]}"


def test_breach_is_emailed_in_chinese_with_centre_time_link_and_message_id(
    session_factory: sessionmaker[Session], mailbox: Mailbox
) -> None:
    here = centre()
    case_id = a_case(session_factory, here)
    lawyer = a_person(session_factory, here, Role.LAWYER, Contact(email="li.lawyer@example.org"))
    queue(session_factory, breach(case_id, lawyer, Role.LAWYER, rung="assignee"))

    drain(dispatcher(session_factory, mailbox, Clock()))

    [mail] = mailbox.messages
    assert mail["To"] == "li.lawyer@example.org"
    assert mail["Subject"] == f"【已超期】案件 {case_id[:8]}：部门回复"
    plain = mail.get_body(("plain",))
    assert plain is not None
    body = plain.get_content().replace("\r\n", "\n")
    assert "应于 2026-11-29 07:00（中心时间）完成" in body  # 23:00 UTC on the 28th
    assert body.startswith("您好：\n\n案件")
    assert "已超期 2 天 3 小时，已上报经办人" in body
    assert f"https://casework.example.org/console/cases/{case_id}" in body
    assert mail["X-Casework-Message-Id"] == message_id(case_id, 7, lawyer)
    [row] = rows(session_factory, case_id)
    assert (row.status, row.attempts, row.channel) == ("sent", 1, "email")
    assert row.sent_at == NOW


def test_escalation_reaches_each_supervisor_of_the_centre_once_in_their_language(
    session_factory: sessionmaker[Session], mailbox: Mailbox, hook: Webhook
) -> None:
    here = centre()
    case_id = a_case(session_factory, here)
    zh = a_person(session_factory, here, Role.SUPERVISOR, Contact(webhook=hook.url("zh")))
    en = a_person(
        session_factory, here, Role.SUPERVISOR, Contact(webhook=hook.url("en")), language="en"
    )
    a_person(session_factory, centre(), Role.SUPERVISOR, Contact(webhook=hook.url("other")))
    notification = breach(case_id, "supervisor", Role.SUPERVISOR)
    queue(session_factory, notification)
    queue(session_factory, notification)  # the activity retried: nothing more queued

    tell = dispatcher(session_factory, mailbox, Clock())
    drain(tell)

    by_path = {item["path"]: item for item in hook.received}
    assert sorted(item["path"] for item in hook.received) == ["/en", "/zh"]  # each once
    assert by_path["/zh"]["json"]["title"].startswith("【已超期】")
    assert by_path["/en"]["json"]["title"].startswith("[Overdue]")
    assert "escalated to the supervisor" in by_path["/en"]["json"]["message"]
    for path, person in (("/zh", zh), ("/en", en)):
        expected = message_id(case_id, 7, person)
        assert by_path[path]["headers"]["X-Casework-Message-Id"] == expected
        assert by_path[path]["json"]["message_id"] == expected


def test_receiver_down_retries_with_backoff_then_dead_letters_and_retry_delivers_once(
    session_factory: sessionmaker[Session], mailbox: Mailbox, hook: Webhook
) -> None:
    here = centre()
    case_id = a_case(session_factory, here)
    secret_hook = hook.url("robot-token-abcdefghijklmnopqrstuvwxyz")
    person = a_person(session_factory, here, Role.SUPERVISOR, Contact(webhook=secret_hook))
    queue(session_factory, breach(case_id, person, Role.SUPERVISOR))
    clock = Clock()
    tell = dispatcher(session_factory, mailbox, clock)
    hook.down = True

    waits = []
    for _ in range(POLICY.max_attempts):
        drain(tell)  # one attempt: the next is not due yet
        [row] = rows(session_factory, case_id)
        assert row.attempts == len(waits) + 1
        if row.next_attempt_at is not None:
            waits.append(row.next_attempt_at - clock.now)
            clock.now = row.next_attempt_at
    assert waits == [timedelta(seconds=30), timedelta(seconds=60)]
    [row] = rows(session_factory, case_id)
    assert (row.status, row.attempts) == ("dead", 3)
    assert row.last_error and "webhook" in row.last_error
    assert "robot-token" not in row.last_error and "127.0.0.1" not in row.last_error
    assert hook.refused == 3 and hook.received == []

    hook.down = False
    with transaction(session_factory) as session:
        retried = delivery.retry(
            session=session, centre=here, notification_id=row.id, now=clock.now
        )
    assert (retried.status, retried.attempts) == (DeliveryStatus.QUEUED, 0)
    drain(tell)
    assert hook.ids() == [message_id(case_id, 7, person)]
    [row] = rows(session_factory, case_id)
    assert (row.status, row.attempts) == ("sent", 1)
    with transaction(session_factory) as session, pytest.raises(delivery.NotRetryable):
        delivery.retry(session=session, centre=here, notification_id=row.id, now=clock.now)
    with transaction(session_factory) as session, pytest.raises(delivery.UnknownNotification):
        delivery.retry(session=session, centre=centre(), notification_id=row.id, now=clock.now)


def test_nobody_to_reach_is_dead_lettered_at_once_with_the_reason(
    session_factory: sessionmaker[Session], mailbox: Mailbox
) -> None:
    here = centre()
    case_id = a_case(session_factory, here)
    silent = a_person(session_factory, here, Role.STAFF, Contact())
    queue(session_factory, breach(case_id, silent, Role.STAFF, seq=1))
    queue(session_factory, breach(case_id, "centre_head", Role.ADMIN, seq=2))  # no admin

    drain(dispatcher(session_factory, mailbox, Clock()))

    errors = {row.recipient: (row.status, row.last_error) for row in rows(session_factory, case_id)}
    assert errors == {
        silent: ("dead", f"{silent} has no contact details"),
        "centre_head": ("dead", "no user centre_head to tell"),
    }
    listed = delivery.list_notifications(
        session=session_factory(), centre=here, status=DeliveryStatus.DEAD
    )
    assert {item.recipient for item in listed} == {silent, "centre_head"}
    assert delivery.list_notifications(session=session_factory(), centre=centre()) == []


def test_a_claim_that_lapses_is_sent_again_with_the_same_id_and_the_late_outcome_is_void(
    session_factory: sessionmaker[Session], mailbox: Mailbox
) -> None:
    here = centre()
    case_id = a_case(session_factory, here)
    person = a_person(session_factory, here, Role.STAFF, Contact(email="desk@example.org"))
    queue(session_factory, breach(case_id, person, Role.STAFF))
    clock = Clock()
    with transaction(session_factory) as session:  # a dispatcher claims it, then dies
        [lost] = delivery.claim_due(session=session, now=clock.now, limit=10, policy=POLICY)

    tell = dispatcher(session_factory, mailbox, clock)
    drain(tell)
    assert [(r.status, r.attempts) for r in rows(session_factory, case_id)] == [("sending", 1)]
    clock.now += POLICY.lease + timedelta(seconds=1)  # the claim lapses
    drain(tell)

    assert mailbox.ids() == [lost.message_id]
    [row] = rows(session_factory, case_id)
    assert (row.status, row.attempts) == ("sent", 2)
    with transaction(session_factory) as session:  # the dead one's outcome changes nothing
        assert not delivery.mark_sent(
            session=session, claimed=lost, channel=Channel.EMAIL, now=clock.now
        )


def test_contact_details_are_sealed_at_rest_and_bound_to_their_account(
    session_factory: sessionmaker[Session],
) -> None:
    here = centre()
    contact = Contact(email="wang.staff@example.org", phone="13912345678", channel=Channel.SMS)
    one = a_person(session_factory, here, Role.STAFF, contact)
    other = a_person(session_factory, here, Role.STAFF, Contact())
    with session_factory() as session:
        stored = session.scalar(
            text("SELECT contact FROM users WHERE username = :name"), {"name": one}
        )
        assert "wang.staff" not in stored and "13912345678" not in stored
        assert open_contact(one, stored) == contact
        assert open_contact(one, stored).preferred() is Channel.SMS
        with pytest.raises(DecryptionError, match="sealed for another place"):
            open_contact(other, stored)
        assert session.get(UserRecord, other) is not None


def test_the_department_is_chased_before_its_acknowledgement_is_due_with_its_own_link(
    session_factory: sessionmaker[Session], mailbox: Mailbox, hook: Webhook
) -> None:
    here = centre()
    case_id = a_case(session_factory, here)
    lawyer = a_person(session_factory, here, Role.LAWYER, Contact(email="lawyer@example.org"))
    with transaction(session_factory) as session:  # the letter of the referral (seq 5)
        session.add(
            ReferralLetterRecord(
                case_id=case_id, seq=5, matter_id="M1", department="labour",
                reference=f"CW-{case_id[:8]}-M1-5", sha256="0" * 64, size=0, pdf=None,
                created_at=NOW,
            )
        )  # fmt: skip
    warning = breach(case_id, lawyer, Role.LAWYER, seq=9, rung=None).model_copy(
        update={"kind": "due_soon", "clock_id": "acknowledgement:M1/labour@5"}
    )
    queue(session_factory, warning)
    queue(session_factory, breach(case_id, lawyer, Role.LAWYER, seq=10, rung=None).model_copy(
        update={"kind": "due_soon", "clock_id": "acknowledgement:M1/justice@6"}
    ))  # fmt: skip
    tell = Dispatcher(
        session_factory,
        sender=Sender(ChannelSettings(smtp_url=mailbox.url(), timeout_seconds=5)),
        renderer=Renderer(timezone="Asia/Shanghai", console_url="https://casework.example.org"),
        policy=POLICY,
        departments={"labour": Contact(webhook=hook.url("labour-bureau"))},
        clock=Clock(),
    )
    drain(tell)

    assert len(mailbox.messages) == 2  # the lawyer is warned as ever
    [chase] = hook.received
    assert chase["json"]["title"] == f"【请确认受理】转介事项 CW-{case_id[:8]}-M1"
    found = re.search(r"https://casework\.example\.org/department/(\S+)", chase["json"]["message"])
    assert found is not None
    assert read_link(found.group(1)) == LinkGrant(
        case_id=case_id, matter_id="M1", department="labour", seq=5
    )
    states = {row.recipient: (row.status, row.last_error) for row in rows(session_factory, case_id)}
    assert states["department:labour"] == ("sent", None)
    assert states["department:justice"] == ("dead", "no contact for justice (DEPARTMENT_CONTACTS)")
