"""Making the referral letter when a matter is referred (a projector of the read model:
once per ``matter_referred`` event, in the projection's transaction), and reading it.

What the letter links to, and the centre's time zone, are the process's letterhead,
installed once at start-up from the settings (like the vault); a process without one
uses the development defaults.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases.model import CaseFile
from services.cases.records import CaseEventRecord
from services.crypto.case_keys import case_ring
from services.departments.letters import Letter, render_letter
from services.departments.links import LinkGrant, issue_link
from services.departments.records import ReferralLetterRecord
from services.kernel.errors import NotFound
from services.kernel.values import Frozen
from services.legal_aid.model import (
    DEPARTMENT_LINK_REISSUED,
    DEPARTMENT_LINK_REVOKED,
    MATTER_REFERRED,
    MATTERS,
    LegalMatter,
)
from services.notify.outbox import OutboxRecord


@dataclass(frozen=True)
class Letterhead:
    centre_name: str | None = None  # the centre's name as printed; default: its id
    console_url: str = "http://127.0.0.1:8000"
    timezone: str = "Asia/Shanghai"


_installed: list[Letterhead] = []


def install_letterhead(letterhead: Letterhead) -> None:
    _installed[:] = [letterhead]


def letterhead() -> Letterhead:
    return _installed[0] if _installed else Letterhead()


LETTER_KIND = "referral_letter"
# The steps that issue a letter with a new link: the referral, and a reissue after its
# link was revoked (the same letter, a new reference, a new link; sent the same way).
LETTER_STEPS = (MATTER_REFERRED, DEPARTMENT_LINK_REISSUED)


class LetterNotFound(NotFound):
    code = "letter_not_found"


def make_referral_letters(
    session: Session, case: CaseFile, rows: Sequence[CaseEventRecord]
) -> None:
    """A letter for each ``matter_referred`` or ``department_link_reissued`` event just
    recorded (never twice: the projection calls this only for events it adds)."""
    for row in rows:
        if row.type not in LETTER_STEPS or row.target is None:
            continue
        matter = next((m for m in MATTERS.of(case) if m.id == row.target), None)
        if not isinstance(matter, LegalMatter):
            continue
        department = str(row.payload.get("department", ""))
        letter = _letter(case, matter, row, department, _replaced(session, case.id, row))
        pdf = render_letter(letter, letterhead().timezone)
        ring = case_ring(session=session, case_id=case.id)
        session.add(
            ReferralLetterRecord(
                case_id=case.id,
                seq=row.seq,
                matter_id=matter.id,
                department=department,
                reference=reference_of(case.id, matter.id, row.seq),
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
                pdf=ring.seal(pdf, _ad(case.id, row.seq)) if ring else None,
                created_at=row.at,
            )
        )
        # Sent to the department through its channel (DEPARTMENT_CONTACTS) by the
        # notification dispatcher, the PDF attached; without a contact it is dead-lettered
        # at once, for hand delivery.
        session.add(
            OutboxRecord(
                case_id=case.id,
                seq=row.seq,
                clock_id=f"referral:{matter.id}/{department}@{row.seq}",
                kind=LETTER_KIND,
                recipient=f"department:{department}",
                role="department",
                message=f"referral letter {reference_of(case.id, matter.id, row.seq)}",
                created_at=row.at,
                due_at=letter.acknowledge_by,
                status="queued",
                attempts=0,
                next_attempt_at=row.at,
            )
        )
    session.flush()


def reference_of(case_id: str, matter_id: str, seq: int) -> str:
    return f"CW-{case_id[:8]}-{matter_id}-{seq}"


def _replaced(session: Session, case_id: str, row: CaseEventRecord) -> str | None:
    """The reference of the letter a reissue replaces (the latest before it); None for a
    referral's own letter."""
    if row.type != DEPARTMENT_LINK_REISSUED:
        return None
    return session.scalar(
        select(ReferralLetterRecord.reference)
        .where(
            ReferralLetterRecord.case_id == case_id,
            ReferralLetterRecord.matter_id == row.target,
            ReferralLetterRecord.department == row.payload.get("department"),
            ReferralLetterRecord.seq < row.seq,
        )
        .order_by(ReferralLetterRecord.seq.desc())
        .limit(1)
    )


def _letter(
    case: CaseFile,
    matter: LegalMatter,
    row: CaseEventRecord,
    department: str,
    replaces: str | None = None,
) -> Letter:
    head = letterhead()
    grant = LinkGrant(case_id=case.id, matter_id=matter.id, department=department, seq=row.seq)
    # A reissue asks for the acknowledgement only while it is still owed at its date
    # (from the referral's own state, so the letter is the same whenever it is made).
    referral = matter.referral_to(department)
    acknowledged_at = referral.acknowledged_at if referral else None
    owed = row.type == MATTER_REFERRED or acknowledged_at is None or acknowledged_at > row.at
    acknowledge_by = next(
        (
            clock.due_at
            for clock in case.clocks
            if clock.kind.value == "acknowledgement" and clock.target == f"{matter.id}/{department}"
        ),
        None,
    )
    return Letter(
        centre=head.centre_name or case.centre,
        department=department,
        reference=reference_of(case.id, matter.id, row.seq),
        claimant_name=case.claimant.name,
        claimant_category=case.claimant.category.value,
        infringement=matter.infringement,
        infringer=matter.infringer,
        occurred_on=matter.occurred_on.isoformat() if matter.occurred_on else None,
        evidence=tuple(matter.evidence),
        sent_at=row.at,
        acknowledge_by=acknowledge_by if owed else None,
        link=f"{head.console_url.rstrip('/')}/department/{issue_link(grant)}",
        replaces=replaces,
    )


class LetterInfo(Frozen):
    seq: int
    matter_id: str
    department: str
    reference: str
    sha256: str
    size: int
    erased: bool
    created_at: datetime


def letters_of(*, session: Session, case_id: str, matter_id: str) -> list[LetterInfo]:
    rows = session.scalars(
        select(ReferralLetterRecord)
        .where(ReferralLetterRecord.case_id == case_id, ReferralLetterRecord.matter_id == matter_id)
        .order_by(ReferralLetterRecord.seq)
    )
    return [_info(row) for row in rows]


def letter_pdf(
    *, session: Session, case_id: str, matter_id: str, seq: int
) -> tuple[LetterInfo, bytes]:
    """The letter's info and PDF; LetterNotFound if there is none (or it was erased)."""
    row = session.get(ReferralLetterRecord, (case_id, seq))
    ring = case_ring(session=session, case_id=case_id) if row else None
    if row is None or row.matter_id != matter_id or row.pdf is None or ring is None:
        raise LetterNotFound(f"no letter {seq} of matter {matter_id}", field="seq")
    return _info(row), ring.open(row.pdf, _ad(case_id, seq))


def _info(row: ReferralLetterRecord) -> LetterInfo:
    return LetterInfo(
        seq=row.seq,
        matter_id=row.matter_id,
        department=row.department,
        reference=row.reference,
        sha256=row.sha256,
        size=row.size,
        erased=row.pdf is None,
        created_at=row.created_at,
    )


def _ad(case_id: str, seq: int) -> bytes:
    return f"referral_letter.pdf/{case_id}/{seq}".encode()


def answer_link(*, session: Session, case_id: str, target: str, console_url: str) -> str | None:
    """The department's link of the latest letter to ``<matter>/<department>`` (the
    referral's, or a reissue's); None if there is none, or staff revoked it since."""
    matter_id, _, department = target.partition("/")
    seq = session.scalar(
        select(ReferralLetterRecord.seq)
        .where(
            ReferralLetterRecord.case_id == case_id,
            ReferralLetterRecord.matter_id == matter_id,
            ReferralLetterRecord.department == department,
        )
        .order_by(ReferralLetterRecord.seq.desc())
        .limit(1)
    )
    if seq is None or link_revoked(
        session=session, case_id=case_id, matter_id=matter_id, department=department, since=seq
    ):
        return None
    grant = LinkGrant(case_id=case_id, matter_id=matter_id, department=department, seq=seq)
    return f"{console_url.rstrip('/')}/department/{issue_link(grant)}"


def link_revoked(
    *, session: Session, case_id: str, matter_id: str, department: str, since: int
) -> bool:
    """Whether staff revoked the link of the letter ``since`` (a seq) to ``department``:
    a ``department_link_revoked`` step on the matter's timeline after it."""
    payloads = session.scalars(
        select(CaseEventRecord.payload).where(
            CaseEventRecord.case_id == case_id,
            CaseEventRecord.type == DEPARTMENT_LINK_REVOKED,
            CaseEventRecord.target == matter_id,
            CaseEventRecord.seq > since,
        )
    )
    return any(payload.get("department") == department for payload in payloads)
