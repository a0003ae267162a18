"""Who takes steps: people in their roles, and the case itself."""

from __future__ import annotations

from enum import StrEnum

from services.kernel.values import Frozen, ShortText


class Role(StrEnum):
    STAFF = "staff"
    LAWYER = "lawyer"
    SUPERVISOR = "supervisor"
    HEAD = "head"  # the centre head: reads every case, escalation and report of the centre
    ADMIN = "admin"
    SYSTEM = "system"
    # An officer of a department a matter was referred to, answering through its link
    # (services/departments/links.py): never a signed-in user.
    DEPARTMENT = "department"


class Actor(Frozen):
    """Who did a step: always taken from the caller's identity, never from a request body."""

    id: ShortText
    role: Role


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM)
