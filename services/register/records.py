"""Tables of the register: people, the journal of who did what with them, and which
member of staff looks after which township."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime


class PersonRecord(Base):
    """One person (the head of a household) of the register.

    Readable, for lists, lookups and selecting households for a visit: name and its
    pinyin key, category, township, flags, birth date, keyed hashes of the ID number and
    phone. Sealed in ``personal`` under the person's own data key (``wrapped_key``,
    itself sealed by the master ring): ID number, phone, address, household, contacts,
    note. Erasure destroys the key and clears every readable identifier.
    """

    __tablename__ = "register_person"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    township: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    in_difficulty: Mapped[bool] = mapped_column(Boolean, server_default=false())
    elderly_alone: Mapped[bool] = mapped_column(Boolean, server_default=false())
    disabled: Mapped[bool] = mapped_column(Boolean, server_default=false())
    national_id_hash: Mapped[str | None] = mapped_column(String(64))
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    personal: Mapped[str | None] = mapped_column(Text)
    wrapped_key: Mapped[str | None] = mapped_column(Text)
    master_key_id: Mapped[str | None] = mapped_column(String(40))
    import_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_register_person_centre_name_key", "centre", "name_key", "id"),
        Index("ix_register_person_centre_category", "centre", "category"),
        Index("ix_register_person_centre_township", "centre", "township"),
        Index("ix_register_person_centre_birth_date", "centre", "birth_date"),
        Index("ix_register_person_centre_national_id_hash", "centre", "national_id_hash"),
        Index("ix_register_person_centre_phone_hash", "centre", "phone_hash"),
    )


class JournalRecord(Base):
    """Append-only: who added, changed, imported, read or erased whom in the register,
    and who recorded which visit. Names no personal value, only ids and field names."""

    __tablename__ = "register_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str | None] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_register_journal_centre_at", "centre", "at"),
        Index("ix_register_journal_person_id_at", "person_id", "at"),
    )


class TownshipRecord(Base):
    """The member of staff who visits a township's households (包片)."""

    __tablename__ = "register_township"

    centre: Mapped[str] = mapped_column(String(100), primary_key=True)
    township: Mapped[str] = mapped_column(String(100), primary_key=True)
    staff: Mapped[str] = mapped_column(String(100))
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)
