"""A referral letter made when a matter is referred: stored sealed with the case's key,
its SHA-256 kept, made once however often the projection runs; on both databases."""

from __future__ import annotations

import hashlib
import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.cases.records import CaseRecord
from services.crypto.case_keys import destroy_case_key
from services.db import transaction
from services.departments.links import read_link
from services.departments.records import ReferralLetterRecord
from services.departments.referrals import LetterNotFound, letter_pdf, letters_of
from services.kernel.actors import Role
from services.legal_aid.model import Department
from services.notify.channels import ChannelSettings, Sender
from services.notify.delivery import RetryPolicy
from services.notify.dispatch import Dispatcher
from services.notify.model import Contact
from services.notify.render import Renderer
from services.read_model import record_case_events
from services.users.access_log import reads_of
from tests.api import signed_in
from tests.departments.pdf_text import pdf_text
from tests.notifications.receivers import smtp_server
from tests.support import LAWYER
from tests.unit.legal_aid.test_rules import refer, with_matter

KEY = b"letters-test-key"


def _referred(session_factory: sessionmaker[Session]) -> tuple[str, str, int]:
    story, matter_id = with_matter()
    story.take(refer(Department.LABOUR), matter_id, LAWYER)
    with transaction(session_factory) as session:
        for _ in range(2):  # a retried projection
            record_case_events(
                session=session, case=story.current, events=story.events, identity_key=KEY
            )
    return story.case_id, matter_id, story.last.seq


def test_referring_a_matter_makes_one_sealed_chinese_letter_with_its_hash(
    session_factory: sessionmaker[Session],
) -> None:
    case_id, matter_id, seq = _referred(session_factory)
    with session_factory() as session:
        [info] = letters_of(session=session, case_id=case_id, matter_id=matter_id)
        assert (info.seq, info.department, info.erased) == (seq, "labour", False)
        assert info.reference == f"CW-{case_id[:8]}-{matter_id}-{seq}"
        stored = session.get(ReferralLetterRecord, (case_id, seq))
        assert stored is not None and stored.pdf is not None
        assert not stored.pdf.startswith(b"%PDF")  # sealed at rest
        _, pdf = letter_pdf(session=session, case_id=case_id, matter_id=matter_id, seq=seq)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == info.sha256
    assert b"STSong-Light" in pdf  # the built-in CJK font, not embedded
    text = pdf_text(pdf)
    assert "侵权事项转介函" in text and "劳动保障监察大队" in text
    assert "Acme Textiles" in text and info.reference in text
    assert "1. payslips" in text and "请于" in text  # the evidence; the deadline to acknowledge
    above_seal = "".join(text.splitlines()[:-1])  # the last line is the centre's seal
    link = re.search(r"/department/([A-Za-z0-9._-]+)", above_seal)
    assert link is not None  # the department's link (wrapped on paper; whole in the QR code)
    assert read_link(link.group(1)).model_dump() == {
        "case_id": case_id, "matter_id": matter_id, "department": "labour", "seq": seq,
    }  # fmt: skip


def test_a_destroyed_case_key_erases_the_letter_but_keeps_its_hash(
    session_factory: sessionmaker[Session],
) -> None:
    case_id, matter_id, seq = _referred(session_factory)
    with transaction(session_factory) as session:
        destroy_case_key(session=session, case_id=case_id)
    with session_factory() as session:
        with pytest.raises(LetterNotFound):
            letter_pdf(session=session, case_id=case_id, matter_id=matter_id, seq=seq)
        [info] = letters_of(session=session, case_id=case_id, matter_id=matter_id)
        assert len(info.sha256) == 64
        rows = session.scalars(
            select(ReferralLetterRecord).where(ReferralLetterRecord.case_id == case_id)
        ).all()
        assert len(rows) == 1


async def test_staff_list_and_download_the_letter_and_the_download_is_access_logged(
    session_factory: sessionmaker[Session], api_client: httpx.AsyncClient
) -> None:
    case_id, matter_id, seq = _referred(session_factory)
    with session_factory() as session:
        centre = session.get(CaseRecord, case_id).centre  # type: ignore[union-attr]
    staff, headers = signed_in(session_factory, Role.STAFF, centre)
    _, elsewhere = signed_in(session_factory, Role.STAFF, "another-centre")
    letters = f"/cases/{case_id}/legal-matters/{matter_id}/letters"

    listed = await api_client.get(letters, headers=headers)
    assert listed.status_code == 200, listed.text
    [info] = listed.json()
    download = await api_client.get(f"{letters}/{seq}", headers=headers)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(download.content).hexdigest() == info["sha256"]
    assert (await api_client.get(f"{letters}/{seq + 1}", headers=headers)).status_code == 404
    assert (await api_client.get(f"{letters}/{seq}", headers=elsewhere)).status_code == 404

    with session_factory() as session:
        reads = reads_of(session=session, centre=centre, case_id=case_id)
    assert [(r.username, r.action, r.fields) for r in reads] == [
        (staff, "download_letter", [f"referral_letter.{seq}"])
    ]


def test_the_letter_is_emailed_to_the_department_with_the_pdf_and_its_link(
    session_factory: sessionmaker[Session],
) -> None:
    case_id, matter_id, seq = _referred(session_factory)
    with session_factory() as session:
        [info] = letters_of(session=session, case_id=case_id, matter_id=matter_id)
    bureau = Contact(email="inspection@labour.example.gov.cn")
    with smtp_server() as mailbox:
        tell = Dispatcher(
            session_factory,
            sender=Sender(ChannelSettings(smtp_url=mailbox.url(), timeout_seconds=5)),
            renderer=Renderer(timezone="Asia/Shanghai", console_url="https://cw.example.org"),
            policy=RetryPolicy(),
            departments={"labour": bureau},
        )
        while tell.run_once():  # this letter, and whatever else is due in the database
            pass
    [mail] = [m for m in mailbox.messages if info.reference in str(m["Subject"])]
    assert mail["To"] == bureau.email
    assert mail["Subject"] == f"【转介函】侵权事项转介 {info.reference}"
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == f"{info.reference}.pdf"
    assert hashlib.sha256(attached.get_content()).hexdigest() == info.sha256
    plain = mail.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    found = re.search(r"https://cw\.example\.org/department/(\S+)", body)
    assert found is not None
    assert read_link(found.group(1)).seq == seq
