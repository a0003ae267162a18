"""Changes to accounts, each recorded in the account log, under the two-person rule.

An admin (through the API) who makes a supervisor or an admin, resets one's password, or
raises a role to one of those only *requests* it: it takes effect once a second admin of
the centre approves (:func:`decide`), so that no admin alone can set a password of an
account that sees the centre's cases and then sign in with it. Staff and lawyer accounts
change at once. The operator on the host (``casework users``) holds the database and the
master keys, which no rule in the application can bind: their changes take effect at
once, recorded as ``cli:<login>``. Either way, a password that someone else chose must be
changed by its owner at their first sign-in, and the owner is told (``account_log``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.kernel.actors import Role
from services.kernel.errors import InvalidInput
from services.users import account_log, accounts
from services.users.account_log import AccountAction, ChangedBy
from services.users.errors import SecondAdminRequired, UnknownRequest, UnknownUser, UserExists
from services.users.model import User
from services.users.passwords import hash_password
from services.users.records import AccountRequestRecord
from services.users.signin import SignInGuard, sign_in

NEEDS_SECOND_ADMIN = frozenset({Role.SUPERVISOR, Role.HEAD, Role.ADMIN})
REQUEST_LIFETIME = timedelta(days=3)


class RequestKind(StrEnum):
    ADD = "add"
    PASSWORD = "password"  # noqa: S105 - a kind of request, not a password
    ROLE = "role"


class AccountRequest(BaseModel):
    """A change waiting for a second admin (``outcome`` None), or its decision."""

    id: int
    kind: RequestKind
    username: str
    role: Role
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    outcome: str | None = None


def add_account(
    *, session: Session, by: ChangedBy, user: User, password: str, now: datetime
) -> User | AccountRequest:
    """Add ``user`` (their password to be changed at first sign-in), or ask for it."""
    if accounts.get_user(session=session, username=user.username) is not None:
        # The same answer whichever centre holds the name: it tells nothing of others.
        raise UserExists(
            f"the user name {user.username} is not available; choose another", field="username"
        )
    password_hash = hash_password(password)
    if _needs_second_admin(by, user.role):
        return _ask(session, by, RequestKind.ADD, user, password_hash, now)
    added = accounts.add_user_hashed(
        session=session, user=user, password_hash=password_hash, must_change_password=True
    )
    _log(session, by, AccountAction.ADDED, added, now)
    return added


def reset_account_password(
    *, session: Session, by: ChangedBy, username: str, password: str, now: datetime
) -> User | AccountRequest:
    """A new password, to be changed at the next sign-in, or a request for one."""
    user = _existing(session, username)
    password_hash = hash_password(password)
    if _needs_second_admin(by, user.role):
        return _ask(session, by, RequestKind.PASSWORD, user, password_hash, now)
    changed = accounts.set_password_hash(
        session=session, username=username, password_hash=password_hash, must_change_password=True
    )
    _log(session, by, AccountAction.PASSWORD_RESET, changed, now)
    return changed


def change_account_role(
    *, session: Session, by: ChangedBy, username: str, role: Role, now: datetime
) -> User | AccountRequest:
    """A new role (a raise to supervisor or admin: a request), voiding earlier tokens."""
    user = _existing(session, username)
    if _needs_second_admin(by, role):
        raised = user.model_copy(update={"role": role})
        return _ask(session, by, RequestKind.ROLE, raised, None, now)
    changed = accounts.set_role(session=session, username=username, role=role)
    _log(session, by, AccountAction.ROLE_CHANGED, changed, now)
    return changed


def disable_account(*, session: Session, by: ChangedBy, username: str, now: datetime) -> User:
    disabled = accounts.disable_user(session=session, username=username)
    _log(session, by, AccountAction.DISABLED, disabled, now)
    return disabled


def change_own_password(
    *,
    session: Session,
    guard: SignInGuard,
    username: str,
    current: str,
    new: str,
    address: str,
    now: datetime,
) -> User:
    """The owner's own choice of password, proven by the current one (checked like a
    sign-in, within its limits); earlier tokens stop working."""
    user = sign_in(
        session=session,
        guard=guard,
        username=username,
        password=current,
        address=address,
        now=now,
    )
    if new == current:
        raise InvalidInput("the new password must differ from the current one", field="new")
    with guard.checks.slot():
        password_hash = hash_password(new)
    changed = accounts.set_password_hash(
        session=session, username=username, password_hash=password_hash, must_change_password=False
    )
    by = ChangedBy(name=user.username, role=user.role.value)
    _log(session, by, AccountAction.PASSWORD_CHANGED, changed, now)
    return changed


def decide(
    *, session: Session, by: ChangedBy, centre: str, request_id: int, approve: bool, now: datetime
) -> AccountRequest:
    """Approve (a second admin, not the one who asked) or refuse a pending request of
    ``centre``; an approved one takes effect now."""
    row = session.get(AccountRequestRecord, request_id)
    if row is None or row.centre != centre or not _pending(row, now):
        raise UnknownRequest(f"no pending account request {request_id}", field="request_id")
    if approve and row.requested_by == by.name:
        raise SecondAdminRequired("a second admin must approve a change one admin asked for")
    claimed = session.execute(
        update(AccountRequestRecord)
        .where(AccountRequestRecord.id == request_id, AccountRequestRecord.decided_at.is_(None))
        .values(
            decided_by=by.name,
            decided_at=now,
            outcome="approved" if approve else "refused",
            password_hash=None,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # decided meanwhile
        raise UnknownRequest(f"no pending account request {request_id}", field="request_id")
    asked = _request(row)
    password_hash = row.password_hash
    session.refresh(row)
    subject = User(username=asked.username, role=asked.role, centre=centre)
    action = AccountAction.APPROVED if approve else AccountAction.REFUSED
    _log(session, by, action, subject, now, request_id=request_id)
    if approve:
        _apply(session, asked, subject, password_hash, now)
    return _request(row)


def pending_requests(*, session: Session, centre: str, now: datetime) -> list[AccountRequest]:
    rows = session.scalars(
        select(AccountRequestRecord)
        .where(
            AccountRequestRecord.centre == centre,
            AccountRequestRecord.decided_at.is_(None),
            AccountRequestRecord.requested_at > now - REQUEST_LIFETIME,
        )
        .order_by(AccountRequestRecord.id)
    )
    return [_request(row) for row in rows]


def ensure_demo_account(
    *, session: Session, by: ChangedBy, user: User, password: str, now: datetime
) -> bool:
    """``casework dev``'s demo account, marked as such; True if it was added now."""
    if not accounts.ensure_user(session=session, user=user, password=password, demo=True):
        return False
    _log(session, by, AccountAction.ADDED, user, now)
    return True


def remove_demo_accounts(*, session: Session, by: ChangedBy, now: datetime) -> list[str]:
    removed = []
    for username in accounts.demo_users(session=session):
        user = _existing(session, username)
        accounts.remove_user(session=session, username=username)
        _log(session, by, AccountAction.REMOVED, user, now)
        removed.append(username)
    return removed


def _apply(
    session: Session, asked: AccountRequest, subject: User, password_hash: str | None, now: datetime
) -> None:
    requester = ChangedBy(name=asked.requested_by, role=Role.ADMIN.value)
    match asked.kind:
        case RequestKind.ADD:
            assert password_hash is not None
            changed = accounts.add_user_hashed(
                session=session,
                user=subject,
                password_hash=password_hash,
                must_change_password=True,
            )
            action = AccountAction.ADDED
        case RequestKind.PASSWORD:
            assert password_hash is not None
            changed = accounts.set_password_hash(
                session=session,
                username=subject.username,
                password_hash=password_hash,
                must_change_password=True,
            )
            action = AccountAction.PASSWORD_RESET
        case RequestKind.ROLE:
            changed = accounts.set_role(session=session, username=subject.username, role=asked.role)
            action = AccountAction.ROLE_CHANGED
    _log(session, requester, action, changed, now, request_id=asked.id)


def _needs_second_admin(by: ChangedBy, role: Role) -> bool:
    return by.role == Role.ADMIN.value and role in NEEDS_SECOND_ADMIN


def _ask(
    session: Session,
    by: ChangedBy,
    kind: RequestKind,
    user: User,
    password_hash: str | None,
    now: datetime,
) -> AccountRequest:
    row = AccountRequestRecord(
        centre=user.centre,
        kind=kind.value,
        username=user.username,
        role=user.role.value,
        password_hash=password_hash,
        requested_by=by.name,
        requested_at=now,
    )
    session.add(row)
    session.flush()
    _log(session, by, AccountAction.REQUESTED, user, now, request_id=row.id)
    return _request(row)


def _pending(row: AccountRequestRecord, now: datetime) -> bool:
    return row.decided_at is None and row.requested_at > now - REQUEST_LIFETIME


def _existing(session: Session, username: str) -> User:
    user = accounts.get_user(session=session, username=username)
    if user is None:
        raise UnknownUser(f"no user {username}", field="username")
    return user


def _log(
    session: Session,
    by: ChangedBy,
    action: AccountAction,
    user: User,
    now: datetime,
    request_id: int | None = None,
) -> None:
    account_log.record(
        session=session,
        by=by,
        action=action,
        username=user.username,
        centre=user.centre,
        role=user.role.value,
        at=now,
        request_id=request_id,
    )


def _request(row: AccountRequestRecord) -> AccountRequest:
    return AccountRequest(
        id=row.id,
        kind=RequestKind(row.kind),
        username=row.username,
        role=Role(row.role),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        outcome=row.outcome,
    )
