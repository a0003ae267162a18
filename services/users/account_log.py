"""The account log: every change to an account, and every request for one, with who made
it, in which role and when. Rows are only ever added (on PostgreSQL a trigger refuses
updates and deletes). Supervisors and admins read their centre's; an account's owner is
told of what others did to it at their next sign-in (:func:`notices`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.values import Frozen
from services.users.records import AccountEventRecord

OPERATOR = "operator"
"""The role recorded for changes made on the host (``casework users``, ``casework dev``)."""


class AccountAction(StrEnum):
    ADDED = "added"
    DISABLED = "disabled"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an action, not a password
    ROLE_CHANGED = "role_changed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - by the owner, giving the current one
    REMOVED = "removed"
    REQUESTED = "requested"  # a change that waits for a second admin
    APPROVED = "approved"
    REFUSED = "refused"


class ChangedBy(Frozen):
    """Who makes a change: a signed-in user (name, role), or the operator on the host
    (``cli:<login>``, role ``operator``)."""

    name: str
    role: str


class AccountEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_role: str
    action: AccountAction
    username: str
    role: str | None
    request_id: int | None


class Notice(BaseModel):
    """A change someone else made to the reader's account, in words for them."""

    at: datetime
    action: AccountAction
    actor: str
    message: str


# What the owner reads, Chinese first and English second (Chinese punctuation is full-width).
_NOTICES: dict[AccountAction, tuple[str, str]] = {
    AccountAction.ADDED: (
        "{actor} 为您开设了账户（角色：{role}）",
        "{actor} opened your account (role: {role})",
    ),
    AccountAction.DISABLED: ("{actor} 停用了您的账户", "{actor} disabled your account"),
    AccountAction.PASSWORD_RESET: ("{actor} 重置了您的密码", "{actor} reset your password"),
    AccountAction.ROLE_CHANGED: (
        "{actor} 将您的角色改为 {role}",
        "{actor} changed your role to {role}",
    ),
    AccountAction.PASSWORD_CHANGED: ("{actor} 更改了您的密码", "{actor} changed your password"),
    AccountAction.REQUESTED: (
        "{actor} 申请变更您的账户（角色：{role}），须另一名管理员批准",
        "{actor} asked for a change to your account (role: {role}); a second admin must approve it",
    ),
    AccountAction.APPROVED: (
        "{actor} 批准了对您账户的变更",
        "{actor} approved a change to your account",
    ),
    AccountAction.REFUSED: (
        "{actor} 拒绝了对您账户的变更",
        "{actor} refused a change to your account",
    ),
}


def record(
    *,
    session: Session,
    by: ChangedBy,
    action: AccountAction,
    username: str,
    centre: str,
    at: datetime,
    role: str | None = None,
    request_id: int | None = None,
) -> None:
    session.add(
        AccountEventRecord(
            centre=centre,
            at=at,
            actor=by.name,
            actor_role=by.role,
            action=action.value,
            username=username,
            role=role,
            request_id=request_id,
        )
    )
    session.flush()


def entries(
    *, session: Session, centre: str, limit: int = 100, before: int | None = None
) -> list[AccountEntry]:
    """The centre's account log, newest first; ``before``: only entries older than that id."""
    query = select(AccountEventRecord).where(AccountEventRecord.centre == centre)
    if before is not None:
        query = query.where(AccountEventRecord.id < before)
    rows = session.scalars(query.order_by(AccountEventRecord.id.desc()).limit(limit))
    return [_entry(row) for row in rows]


def notices(*, session: Session, username: str, since: datetime | None) -> list[Notice]:
    """What others did to ``username``'s account since ``since`` (all of it if None)."""
    query = select(AccountEventRecord).where(
        AccountEventRecord.username == username, AccountEventRecord.actor != username
    )
    if since is not None:
        query = query.where(AccountEventRecord.at > since)
    return [
        Notice(
            at=row.at,
            action=AccountAction(row.action),
            actor=row.actor,
            message=" / ".join(
                text.format(actor=row.actor, role=row.role or "-")
                for text in _NOTICES[AccountAction(row.action)]
            ),
        )
        for row in session.scalars(query.order_by(AccountEventRecord.id))
        if AccountAction(row.action) in _NOTICES
    ]


def _entry(row: AccountEventRecord) -> AccountEntry:
    return AccountEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        actor_role=row.actor_role,
        action=AccountAction(row.action),
        username=row.username,
        role=row.role,
        request_id=row.request_id,
    )
