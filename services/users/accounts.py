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


def user_from_record(row: UserRecord) -> User:
    return User(
        username=row.username,
        role=Role(row.role),
        centre=row.centre,
        disabled=row.disabled,
        token_version=row.token_version,
        language=row.language,
        must_change_password=row.must_change_password,
        demo=row.demo,
        last_signed_in_at=row.last_signed_in_at,
    )


def get_user(*, session: Session, username: str) -> User | None:
    row = session.get(UserRecord, username)
    return user_from_record(row) if row is not None else None


def list_users(*, session: Session, centre: str | None = None, limit: int = 100) -> list[User]:
    query = select(UserRecord).order_by(UserRecord.username).limit(limit)
    if centre is not None:
        query = query.where(UserRecord.centre == centre)
    return [user_from_record(row) for row in session.scalars(query)]


def add_user(*, session: Session, user: User, password: str, demo: bool = False) -> User:
    return add_user_hashed(
        session=session, user=user, password_hash=hash_password(password), demo=demo
    )


def add_user_hashed(
    *,
    session: Session,
    user: User,
    password_hash: str,
    must_change_password: bool = False,
    demo: bool = False,
) -> User:
    if session.get(UserRecord, user.username) is not None:
        raise UserExists(f"user {user.username} exists already", field="username")
    now = datetime.now(UTC)
    session.add(
        UserRecord(
            username=user.username,
            role=user.role.value,
            centre=user.centre,
            password_hash=password_hash,
            disabled=user.disabled,
            token_version=0,
            created_at=now,
            updated_at=now,
            must_change_password=must_change_password,
            demo=demo,
        )
    )
    session.flush()
    return user.model_copy(update={"must_change_password": must_change_password, "demo": demo})


def ensure_user(*, session: Session, user: User, password: str, demo: bool = False) -> bool:
    """Add the user unless one of that name exists (left as it is); True if added."""
    if session.get(UserRecord, user.username) is not None:
        return False
    add_user(session=session, user=user, password=password, demo=demo)
    return True


def disable_user(*, session: Session, username: str) -> User:
    """Disable the account; its tokens stop working (within ``recent.TTL_SECONDS`` on
    other processes)."""
    row = _existing(session, username)
    row.disabled = True
    return _changed(session, row)


def reset_password(*, session: Session, username: str, password: str) -> User:
    """A new password (and the account enabled again); earlier tokens stop working."""
    return set_password_hash(
        session=session,
        username=username,
        password_hash=hash_password(password),
        must_change_password=False,
    )


def set_password_hash(
    *, session: Session, username: str, password_hash: str, must_change_password: bool
) -> User:
    """A new password (``must_change_password``: someone else chose it), the account
    enabled again; earlier tokens stop working."""
    row = _existing(session, username)
    row.password_hash = password_hash
    row.must_change_password = must_change_password
    row.disabled = False
    return _changed(session, row)


def set_role(*, session: Session, username: str, role: Role) -> User:
    """A new role; earlier tokens (which carry the old one's reach) stop working."""
    row = _existing(session, username)
    row.role = role.value
    return _changed(session, row)


def _changed(session: Session, row: UserRecord) -> User:
    row.token_version += 1
    row.updated_at = datetime.now(UTC)
    forget_user(session, row.username)
    return user_from_record(row)


def demo_users(*, session: Session) -> list[str]:
    """Names of the accounts `casework dev` made, with their published password."""
    return list(session.scalars(select(UserRecord.username).where(UserRecord.demo)))


def remove_user(*, session: Session, username: str) -> None:
    session.delete(_existing(session, username))
    forget_user(session, username)


def set_language(*, session: Session, username: str, language: str) -> User:
    """The language the console shows this user (one of the console's locales)."""
    row = _existing(session, username)
    row.language = language
    row.updated_at = datetime.now(UTC)
    forget_user(session, username)
    return user_from_record(row)


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The user if the password is theirs and they are enabled; None otherwise."""
    row = session.get(UserRecord, username)
    if row is None:
        verify_password(unknown_user_hash(), password)
        return None
    if not verify_password(row.password_hash, password) or row.disabled:
        return None
    return user_from_record(row)


def _existing(session: Session, username: str) -> UserRecord:
    row = session.get(UserRecord, username)
    if row is None:
        raise UnknownUser(f"no user {username}", field="username")
    return row
