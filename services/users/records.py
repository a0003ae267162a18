"""Tables of user accounts, their changes, sign-in failures and reads of personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, false
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
    # Set when someone else chose the password (a new account, a reset): its tokens
    # then reach only the change of password until the owner has chosen their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Made by `casework dev` with a published password: `casework api` refuses to start
    # on a database that holds one.
    demo: Mapped[bool] = mapped_column(Boolean, server_default=false())
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # How notifications reach the person (email, phone, webhook, preferred channel),
    # sealed as one value: services/notify/contacts.py.
    contact: Mapped[str | None] = mapped_column(Text)


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
        Index("ix_access_log_username_at", "username", "at"),
    )


class AccountEventRecord(Base):
    """One change to an account (or a request for one): who, in which role, what, when.
    Append-only: on PostgreSQL a trigger refuses updates and deletes."""

    __tablename__ = "account_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(20))
    request_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_account_event_centre_id", "centre", "id"),
        Index("ix_account_event_username_id", "username", "id"),
    )


class AccountRequestRecord(Base):
    """A change that needs a second admin (a supervisor's or an admin's account made, its
    password reset, or a role raised to one of those), waiting for their decision. The
    password travels hashed and is cleared once decided."""

    __tablename__ = "account_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (Index("ix_account_request_centre_decided_at", "centre", "decided_at"),)


class SignInFailureRecord(Base):
    """A refused sign-in (wrong password or unknown name), kept for the limit's window so
    that every API replica counts the same failures."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_sign_in_failure_address_username_at", "address", "username", "at"),
        Index("ix_sign_in_failure_at", "at"),
    )
