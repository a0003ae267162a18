"""What the centre tells people about their deadlines."""

from __future__ import annotations

from datetime import datetime

from services.kernel.actors import Role
from services.kernel.values import Frozen


class Notification(Frozen):
    """A due-soon or breached clock, to tell someone; (case_id, seq) makes it unique."""

    case_id: str
    seq: int
    clock_id: str
    kind: str  # "due_soon" or "breached"
    recipient: str
    role: Role
    message: str
    at: datetime
