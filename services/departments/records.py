"""The department loop's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime


class ReferralLetterRecord(Base):
    """The letter made when a matter was referred (the ``matter_referred`` event ``seq``):
    the PDF sealed with the case's key (destroying the key erases it: ``pdf`` is then
    None), and its SHA-256."""

    __tablename__ = "referral_letter"

    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="RESTRICT"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_referral_letter_case_id_matter_id", "case_id", "matter_id"),)


class EvidenceFileRecord(Base):
    """A file attached to a case (or one of its legal matters) as evidence: its name and
    content sealed with the case's key (``casework keys destroy`` erases both), its
    SHA-256, who attached it and when. The content lives in ``evidence_blob`` by default
    (services/departments/evidence.py: an object store can replace it)."""

    __tablename__ = "evidence_file"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="RESTRICT"), index=True
    )
    matter_id: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(1000))  # sealed
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EvidenceBlobRecord(Base):
    """The sealed content of an evidence file, in the database (the default store)."""

    __tablename__ = "evidence_blob"

    file_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("evidence_file.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
