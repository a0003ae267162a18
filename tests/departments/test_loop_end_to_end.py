"""The department loop as one story, on both databases: a matter is referred, its letter
is e-mailed to the bureau (a local SMTP server) with the link; the bureau follows the link,
acknowledges, uploads its reply letter and reports its decision; the matter shows the
department's steps, the clock is met and the timeline verifies. Meanwhile another case's
infringement is never referred: its breach reaches the supervisor's webhook exactly once."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.cases.records import CaseEventRecord
from services.kernel.actors import Role
from services.notify.channels import ChannelSettings, Sender
from services.notify.delivery import RetryPolicy
from services.notify.dispatch import Dispatcher
from services.notify.model import Contact
from services.notify.outbox import OutboxRecord
from services.notify.render import Renderer
from tests.api import signed_in, worked_api
from tests.departments.test_department_link import _referred_matter
from tests.departments.test_reply_letter import REPLY, _key
from tests.notifications.receivers import Mailbox, smtp_server, webhook_receiver
from tests.notifications.support import a_person
from tests.workflows.support import eventually

BUREAU = Contact(email="inspection@labour.example.gov.cn")
CONSOLE = "https://cw.example.org"


def _dispatcher(
    session_factory: sessionmaker[Session], mailbox: Mailbox, ahead: timedelta
) -> Dispatcher:
    # The workflows' clock is the time-skipping server's, ahead of this one by ``ahead``.
    return Dispatcher(
        session_factory,
        sender=Sender(ChannelSettings(smtp_url=mailbox.url(), timeout_seconds=5)),
        renderer=Renderer(timezone="Asia/Shanghai", console_url=CONSOLE),
        policy=RetryPolicy(),
        departments={"labour": BUREAU},
        clock=lambda: datetime.now(UTC) + ahead,
    )


def _drain(tell: Dispatcher) -> None:
    """Rounds until nothing is due (other tests' messages in the database included)."""
    for _ in range(50):
        if not tell.run_once():
            return


async def _infringement_left_unreferred(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> str:
    _, staff = signed_in(session_factory, Role.STAFF, centre)
    lawyer, _ = signed_in(session_factory, Role.LAWYER, centre)
    _, supervisor = signed_in(session_factory, Role.SUPERVISOR, centre)
    body = {"claimant": {"name": "李秀英", "category": "military_family"}, "needs": ["legal_aid"]}
    opened = await api.post("/cases", json=body, params={"confirm_new": "true"}, headers=staff)
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["id"])
    assigned = await api.post(
        f"/cases/{case_id}/lawyer", json={"lawyer": lawyer}, headers=supervisor
    )
    assert assigned.status_code == 200, assigned.text
    infringement = {"infringement": "未缴社会保险", "infringer": "某物流公司"}
    recorded = await api.post(f"/cases/{case_id}/legal-matters", json=infringement, headers=staff)
    assert recorded.status_code == 201, recorded.text
    return case_id


async def test_a_referral_is_answered_through_the_emailed_link_and_a_breach_escalates_once(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    centre = f"loop-{uuid.uuid4().hex[:8]}"
    # A supervisor of the centre who is told through a chat robot (a local webhook).
    with smtp_server() as mailbox, webhook_receiver() as hook:
        watcher = a_person(
            session_factory, centre, Role.SUPERVISOR, Contact(webhook=hook.url("sup"))
        )
        async with worked_api(database_url, session_factory, queue_prefix="loop") as running:
            api = running.api
            case_id, matter_id, staff, _ = await _referred_matter(api, session_factory, centre)
            matter = f"/cases/{case_id}/legal-matters/{matter_id}"
            [letter] = (await api.get(f"{matter}/letters", headers=staff)).json()

            # The letter goes to the bureau by e-mail, with its link.
            _drain(_dispatcher(session_factory, mailbox, timedelta(minutes=5)))
            [mail] = [m for m in mailbox.messages if letter["reference"] in str(m["Subject"])]
            assert mail["To"] == BUREAU.email
            plain = mail.get_body(("plain",))
            assert plain is not None
            link = re.search(rf"{re.escape(CONSOLE)}/department/(\S+)", plain.get_content())
            assert link, "the e-mail carries the department's link"
            token = link.group(1)

            # The bureau answers through it: acknowledgement, reply letter, decision.
            page = await api.get(f"/department/{token}")
            form = {"key": _key(page), "reference": "劳监字[2026]12号"}
            acknowledged = await api.post(f"/department/{token}/acknowledge", data=form)
            assert acknowledged.status_code == 303, acknowledged.text
            page = await api.get(acknowledged.headers["location"])
            replied = await api.post(
                f"/department/{token}/reply",
                data={"key": _key(page)},
                files={"file": ("回函.pdf", REPLY)},
            )
            assert replied.status_code == 303, replied.text
            page = await api.get(replied.headers["location"])
            decision = {"key": _key(page), "outcome": "已责令用人单位补发全部工资"}
            decided = await api.post(f"/department/{token}/result", data=decision)
            assert decided.status_code == 303, decided.text

            case = await eventually(
                lambda: api.get(f"/cases/{case_id}", headers=staff),
                lambda answer: answer.json()["legal_matters"][0]["status"] == "resolved",
                what="the matter resolved by the department",
            )
            deadlines = (await api.get(f"/cases/{case_id}/deadlines", headers=staff)).json()
            verified = await api.get(f"/cases/{case_id}/timeline/verify", headers=staff)
            evidence = (await api.get(f"/cases/{case_id}/evidence", headers=staff)).json()

            # Another case's infringement, never referred: 24 hours to refer, then the
            # lawyer hears of the breach, and 12 hours on, a supervisor.
            late = await _infringement_left_unreferred(api, session_factory, centre)
            await running.env.sleep(timedelta(hours=40))

            def escalations(session: Session) -> list[OutboxRecord]:
                return list(
                    session.scalars(
                        select(OutboxRecord).where(
                            OutboxRecord.case_id == late, OutboxRecord.recipient == watcher
                        )
                    )
                )

            async def queued() -> int:
                with session_factory() as session:
                    return len(escalations(session))

            await eventually(queued, lambda count: count >= 1, what="the escalation queued")
            for _ in range(2):  # a second round finds nothing more to send
                _drain(_dispatcher(session_factory, mailbox, timedelta(days=3)))

    [referral] = case.json()["legal_matters"][0]["referrals"]
    assert referral["acknowledgement_reference"] == "劳监字[2026]12号"
    assert not [c for c in deadlines["open"] if c["kind"] == "acknowledgement"]  # met
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text
    assert [(e["matter_id"], e["uploaded_by"]) for e in evidence] == [
        (matter_id, "department:labour")
    ]
    with session_factory() as session:
        by_department = session.execute(
            select(CaseEventRecord.type, CaseEventRecord.actor)
            .where(CaseEventRecord.case_id == case_id, CaseEventRecord.role == "department")
            .order_by(CaseEventRecord.seq)
        ).all()
    assert [tuple(row) for row in by_department] == [
        ("matter_acknowledged", "department:labour"),
        ("evidence_attached", "department:labour"),
        ("matter_resolved", "department:labour"),
    ]
    told = [item for item in hook.received if item["path"] == "/sup"]
    assert len(told) == 1, told  # exactly once
    assert told[0]["json"]["title"].startswith("【已超期】")
    assert late in told[0]["json"]["message"]
