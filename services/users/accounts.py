"""Creating, changing and checking user accounts. Callers own the transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.actors import Role
from services.users.errors import UnknownUser, UserExists
from services.users.model import User
from services.users.passwords import hash_password, unknown_user_hash, verify_password
from services.users.recent import forget_user
from services.users.records import UserRecord


def _user(row: UserRecord) -> User:
    return User(
        username=row.username,
        role=Role(row.role),
        centre=row.centre,
        disabled=row.disabled,
        token_version=row.token_version,
    )


def get_user(*, session: Session, username: str) -> User | None:
    row = session.get(UserRecord, username)
    return _user(row) if row is not None else None


def list_users(*, session: Session, centre: str | None = None, limit: int = 100) -> list[User]:
    query = select(UserRecord).order_by(UserRecord.username).limit(limit)
    if centre is not None:
        query = query.where(UserRecord.centre == centre)
    return [_user(row) for row in session.scalars(query)]


def add_user(*, session: Session, user: User, password: str) -> User:
    if session.get(UserRecord, user.username) is not None:
        raise UserExists(f"user {user.username} exists already", field="username")
    now = datetime.now(UTC)
    session.add(
        UserRecord(
            username=user.username,
            role=user.role.value,
            centre=user.centre,
            password_hash=hash_password(password),
            disabled=user.disabled,
            token_version=0,
            created_at=now,
            updated_at=now,
        )
    )
    session.flush()
    return user


def ensure_user(*, session: Session, user: User, password: str) -> bool:
    """Add the user unless one of that name exists (left as it is); True if added."""
    if session.get(UserRecord, user.username) is not None:
        return False
    add_user(session=session, user=user, password=password)
    return True


def disable_user(*, session: Session, username: str) -> User:
    """Disable the account; its tokens stop working (within ``recent.TTL_SECONDS`` on
    other processes)."""
    row = _existing(session, username)
    row.disabled = True
    row.token_version += 1
    row.updated_at = datetime.now(UTC)
    forget_user(session, username)
    return _user(row)


def reset_password(*, session: Session, username: str, password: str) -> User:
    """A new password (and the account enabled again); earlier tokens stop working."""
    row = _existing(session, username)
    row.password_hash = hash_password(password)
    row.disabled = False
    row.token_version += 1
    row.updated_at = datetime.now(UTC)
    forget_user(session, username)
    return _user(row)


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The user if the password is theirs and they are enabled; None otherwise."""
    row = session.get(UserRecord, username)
    if row is None:
        verify_password(unknown_user_hash(), password)
        return None
    if not verify_password(row.password_hash, password) or row.disabled:
        return None
    return _user(row)


def _existing(session: Session, username: str) -> UserRecord:
    row = session.get(UserRecord, username)
    if row is None:
        raise UnknownUser(f"no user {username}", field="username")
    return row
