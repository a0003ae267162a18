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
