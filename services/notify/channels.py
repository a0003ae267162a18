"""Sending one message through one person's channel, with apprise: email through the
centre's SMTP server, SMS through a provider's HTTP API, and chat robots or webhooks.

Every message carries its stable id: as the header ``X-Casework-Message-Id`` of an
email or a JSON webhook (and ``message_id`` in the webhook's JSON body), and in the text
itself for the robots, so a receiver can drop a repeat.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import apprise

from services.notify.model import Channel, Contact
from services.notify.render import Message

MESSAGE_ID_HEADER = "X-Casework-Message-Id"
_JSON_SCHEMES = ("json", "jsons")
# What an error text must not carry into the database or a log: addresses and secrets.
_MASKS = (
    (re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+"), "<url>"),
    (re.compile(r"[^\s@<>]+@[^\s@<>]+"), "<email>"),
    (re.compile(r"\+?\d[\d -]{5,}\d"), "<number>"),
    (re.compile(r"[A-Za-z0-9_-]{20,}"), "<token>"),
)


class DeliveryFailed(Exception):
    """The channel did not take the message; ``permanent`` when no retry can help (no
    address, an address that is not valid)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = mask(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class ChannelSettings:
    smtp_url: str | None = None  # mailto(s)://user:pass@host:port?from=… (no "to")
    sms_url: str | None = None  # an apprise URL with {phone} where the number goes
    timeout_seconds: float = 15.0


class Sender:
    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        # apprise's own lines name addresses (an email's recipient, a robot's URL): they
        # stay out of the logs; each failure's reason is captured and masked instead.
        logging.getLogger("apprise").propagate = False

    def send(
        self,
        *,
        contact: Contact,
        channel: Channel,
        message: Message,
        message_id: str,
        attachment: tuple[str, bytes] | None = None,
    ) -> None:
        """Send it (with ``attachment``, a file name and its bytes), or raise
        :class:`DeliveryFailed` (its reason masked)."""
        url = self.url_for(contact, channel, message_id)
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise DeliveryFailed(f"the {channel.value} address is not usable", permanent=True)
        with (
            tempfile.TemporaryDirectory() as folder,
            apprise.LogCapture(level=apprise.logging.WARNING) as captured,
        ):
            attach = None
            if attachment is not None:
                path = Path(folder) / attachment[0]
                path.write_bytes(attachment[1])
                attach = apprise.AppriseAttachment(str(path))
            delivered = notifier.notify(
                title=message.title,
                body=message.body,
                body_format=apprise.NotifyFormat.TEXT,
                attach=attach,
            )
            logged = captured.getvalue()
        if not delivered:
            last = [line for line in logged.splitlines() if line.strip()][-1:] or ["no detail"]
            raise DeliveryFailed(f"{channel.value}: {_after_level(last[0])}")

    def url_for(self, contact: Contact, channel: Channel, message_id: str) -> str:
        address = contact.address(channel)
        if address is None:
            raise DeliveryFailed(f"no {channel.value} address", permanent=True)
        timeouts = f"cto={self._settings.timeout_seconds}&rto={self._settings.timeout_seconds}"
        tagged = f"+{MESSAGE_ID_HEADER}={message_id}"
        if channel is Channel.EMAIL:
            if self._settings.smtp_url is None:
                raise DeliveryFailed("email is not configured (NOTIFY_SMTP_URL)", permanent=True)
            return _with(self._settings.smtp_url, f"to={quote(address, safe='@')}&{tagged}")
        if channel is Channel.SMS:
            if self._settings.sms_url is None:
                raise DeliveryFailed("SMS is not configured (NOTIFY_SMS_URL)", permanent=True)
            url = self._settings.sms_url.replace("{phone}", quote(address))
        else:
            url = address
        if url.split("://", 1)[0].lower() in _JSON_SCHEMES:
            return _with(url, f"{tagged}&:message_id={message_id}&{timeouts}")
        return _with(url, timeouts)


def mask(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def _with(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _after_level(line: str) -> str:
    # apprise's lines read "<time> - WARNING - what happened"
    return line.split(" - ", 2)[-1].strip()
