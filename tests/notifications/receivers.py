"""Local receivers for the notification tests: a real SMTP server (aiosmtpd) and a
webhook that can be down or slow, each recording what reached it."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

MESSAGE_ID_HEADER = "X-Casework-Message-Id"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def url(self) -> str:
        """NOTIFY_SMTP_URL for it: a relay without TLS or sign-in."""
        return f"mailto://127.0.0.1:{self.port}?mode=insecure&from=centre@example.org"

    def ids(self) -> list[str]:
        return [str(message[MESSAGE_ID_HEADER]) for message in self.messages]


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Webhook:
    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    in_flight: int = 0  # requests held, not yet taken
    down: bool = False  # answers 503 while down
    hold_seconds: float = 0.0  # holds each request this long before taking it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(item["headers"].get(MESSAGE_ID_HEADER)) for item in self.received]


@contextmanager
def webhook_receiver() -> Iterator[Webhook]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if hook.down:
                with hook.lock:
                    hook.refused += 1
                self.send_response(503)
                self.end_headers()
                return
            if hook.hold_seconds:
                with hook.lock:
                    hook.in_flight += 1
                time.sleep(hook.hold_seconds)
            with hook.lock:
                hook.in_flight -= 1 if hook.hold_seconds else 0
                hook.received.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                )
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
