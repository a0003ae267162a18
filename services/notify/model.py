"""What the centre tells people, and how each person is reached."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from services.kernel.actors import Role
from services.kernel.values import Frozen

# Chat robots county offices use (WeCom, DingTalk, Feishu) and plain JSON webhooks (an
# SMS gateway, a local receiver): the apprise schemes a person's webhook may use.
WEBHOOK_SCHEMES = ("wecombot", "dingtalk", "feishu", "json", "jsons")


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
    # For the message as each recipient reads it (their language, the centre's time);
    # absent from notifications recorded before they existed.
    due_at: datetime | None = None
    rung: str | None = None


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a dispatcher until its lease runs out
    SENT = "sent"
    DEAD = "dead"  # no attempt left (or no way to reach the person): retry by hand


# What the schema states is what is taken (no silent trimming): a client knows what is
# refused, and a request the schema calls invalid is never accepted.
# Controls and spaces spelled out, not as \s: the schema's reader (a client, a fuzzer)
# and the server's regex engine disagree on what \s holds (U+0085, U+FEFF, ...).
_BLANK = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_EMAIL_PART = rf"[^@/?&#{_BLANK}]+"
Email = Annotated[
    str,
    StringConstraints(max_length=200, pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$"),
]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{5,20}$")]
Webhook = Annotated[
    str,
    StringConstraints(max_length=500, pattern=rf"^(?:{'|'.join(WEBHOOK_SCHEMES)})://[^{_BLANK}]+$"),
]


class Contact(Frozen):
    """How a person is reached: sealed at rest (``services/notify/contacts.py``)."""

    email: Email | None = None
    phone: Phone | None = None
    webhook: Webhook | None = Field(
        default=None,
        description="A chat robot or webhook as an apprise URL: "
        + ", ".join(f"{scheme}://…" for scheme in WEBHOOK_SCHEMES),
    )
    channel: Channel | None = Field(
        default=None, description="The preferred channel; unset: the first one given"
    )

    def address(self, channel: Channel) -> str | None:
        return {Channel.EMAIL: self.email, Channel.SMS: self.phone, Channel.WEBHOOK: self.webhook}[
            channel
        ]

    def preferred(self) -> Channel | None:
        """The channel to use: the chosen one if it has an address, else the first given."""
        if self.channel is not None and self.address(self.channel):
            return self.channel
        return next((channel for channel in Channel if self.address(channel)), None)


def message_id(case_id: str, seq: int, recipient: str) -> str:
    """The stable id of one message to one person: every attempt carries it, so that a
    receiver can drop a repeat (delivery is at least once)."""
    digest = hashlib.sha256(f"{case_id}/{seq}/{recipient}".encode()).hexdigest()
    return f"cw-{digest[:32]}"
