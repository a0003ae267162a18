"""Tables of user accounts and of reads of a case's personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime


class UserRecord(Base):
    """One person who signs in. ``token_version`` moves on a reset or disable, which
    voids every token issued before it.

    The table is ``users`` rather than the house's singular form: ``user`` is an SQL
    keyword.
    """

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    centre: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, server_default=false())
    token_version: Mapped[int] = mapped_column(Integer, server_default="0")
    language: Mapped[str | None] = mapped_column(String(10))  # the console's; None: default
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccessLogRecord(Base):
    """One read of a case's personal data: who, in which role, when, which fields."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36))
    centre: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    fields: Mapped[list[Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_access_log_case_id_at", "case_id", "at"),
        Index("ix_access_log_centre_at", "centre", "at"),
    )
