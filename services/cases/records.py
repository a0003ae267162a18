"""Tables of the case read model and the append-only case timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, UtcDateTime


class CaseRecord(Base):
    """Latest projected state of a case, with the columns that lists filter on.

    The keyed hashes and the birth date find a person's other open cases; erasure
    clears them (``services/erasure.py``).

    The table is ``cases`` rather than the house's singular form: ``case`` is an SQL
    keyword.
    """

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    needs: Mapped[list[str]] = mapped_column(JSON)
    centre: Mapped[str] = mapped_column(String(100))
    intake_by: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(100), server_default="")
    priority: Mapped[bool] = mapped_column(Boolean)
    # Sealed under the case's key, like the summary: lists open them, searches go
    # through the case's search terms (services/cases/search.py).
    claimant_name: Mapped[str] = mapped_column(Text)
    national_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    lawyer: Mapped[str | None] = mapped_column(String(100))
    register_person_id: Mapped[str | None] = mapped_column(String(36))
    overdue: Mapped[bool] = mapped_column(Boolean, server_default=false())
    summary: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Given as the case opens (services/cases/numbers.py); none on cases opened before.
    number: Mapped[str | None] = mapped_column(String(20))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_cases_number_centre", "number", "centre", unique=True),
        Index("ix_cases_opened_at_id", "opened_at", "id"),
        Index("ix_cases_stage_opened_at", "stage", "opened_at"),
        Index("ix_cases_centre_opened_at", "centre", "opened_at"),
        Index("ix_cases_lawyer_opened_at", "lawyer", "opened_at"),
        Index("ix_cases_intake_by_opened_at", "intake_by", "opened_at"),
        Index("ix_cases_owner_opened_at", "owner", "opened_at"),
        Index("ix_cases_category_opened_at", "category", "opened_at"),
        Index("ix_cases_closed_at", "closed_at"),
        Index("ix_cases_overdue_opened_at", "overdue", "opened_at"),
        Index("ix_cases_register_person_id_opened_at", "register_person_id", "opened_at"),
    )


class CaseEventRecord(Base):
    """One accepted step. Rows are only ever inserted; ``hash`` chains them per case."""

    __tablename__ = "case_event"

    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="RESTRICT"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    clocks: Mapped[list[Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_case_event_type_at", "type", "at"),
        Index("ix_case_event_actor_at", "actor", "at"),
        Index("ix_case_event_at", "at"),
    )


class CaseNeedRecord(Base):
    """One row per need of a case, so that filtering by need uses an index."""

    __tablename__ = "case_need"

    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    need: Mapped[str] = mapped_column(String(20), primary_key=True)

    __table_args__ = (Index("ix_case_need_need_case_id", "need", "case_id"),)


class CaseTaskRecord(Base):
    """Work waiting on someone, as of the case's latest projected state."""

    __tablename__ = "case_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the clock that holds this task falls due (none: the task has no clock).
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    __table_args__ = (
        Index("ix_case_task_assignee_since", "assignee", "since"),
        Index("ix_case_task_role_since", "role", "since"),
    )


class CaseNumberCounterRecord(Base):
    """The last case number given at a centre in a year: one row, locked while a number
    is taken, so that numbers come without gaps or duplicates."""

    __tablename__ = "case_number_counter"

    centre: Mapped[str] = mapped_column(String(100), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class CaseNumberRecord(Base):
    """The number a case was given (once: a repeat of the allocation reads it here)."""

    __tablename__ = "case_number"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("centre", "year", "seq"),)
