"""The reassignment workflow's face: its start input (what api/ imports)."""

from __future__ import annotations

from pydantic import Field

from services.cases.reassignment import MOST_CASES
from services.kernel.actors import Actor
from services.kernel.values import Frozen

REASSIGNMENT_WORKFLOW = "Reassignment"


class ReassignmentStart(Frozen):
    """Move the open cases of ``from_owner``, or the cases ``case_ids``, to ``to_owner``."""

    id: str
    centre: str
    to_owner: str
    actor: Actor
    from_owner: str | None = None
    case_ids: list[str] | None = Field(default=None, max_length=MOST_CASES)
    reason: str | None = None
