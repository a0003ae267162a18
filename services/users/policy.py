"""Who may see which case: the object-level half of authorisation.

Staff, supervisors and the centre head see the cases of their centre; a lawyer sees the
cases of their centre assigned to them; admin manages accounts and sees no case.
"""

from __future__ import annotations

from services.cases.queries import CaseFilter
from services.kernel.actors import Role
from services.users.model import User

WHOLE_CENTRE = (Role.STAFF, Role.SUPERVISOR, Role.HEAD)


def may_see_case(user: User, *, centre: str, lawyer: str | None) -> bool:
    if user.disabled or centre != user.centre:
        return False
    if user.role in WHOLE_CENTRE:
        return True
    return user.role is Role.LAWYER and lawyer == user.username


def visible_cases(user: User, where: CaseFilter) -> CaseFilter | None:
    """``where`` narrowed to what ``user`` may see; None if that is nothing at all."""
    if user.role not in (*WHOLE_CENTRE, Role.LAWYER):
        return None
    if where.centre not in (None, user.centre):
        return None
    scoped = where.model_copy(update={"centre": user.centre})
    if user.role is Role.LAWYER:
        if where.lawyer not in (None, user.username):
            return None
        scoped = scoped.model_copy(update={"lawyer": user.username})
    return scoped


def lawyer_scope(user: User) -> str | None:
    """The lawyer whose cases alone a list may show to ``user`` (None: the whole centre)."""
    return user.username if user.role is Role.LAWYER else None
