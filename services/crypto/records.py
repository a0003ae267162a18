"""The per-case data keys, stored wrapped by the master key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime


class CaseKeyRecord(Base):
    """One data key per case. Destroying it (``wrapped_key`` cleared, ``destroyed_at`` set)
    leaves every ciphertext of the case unreadable: crypto-shredding for retention."""

    __tablename__ = "case_key"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    master_key_id: Mapped[str | None] = mapped_column(String(40), index=True)
    wrapped_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    destroyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
