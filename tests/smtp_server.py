"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for tests of email.

with LocalSmtp() as smtp:
    ...send to smtp.port...
    [email] = smtp.wait_for(1)
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Collect:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class LocalSmtp:
    """aiosmtpd in a thread of its own; `emails` are the messages it accepted, parsed."""

    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Collect()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> LocalSmtp:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def emails(self) -> list[EmailMessage]:
        with self._handler.lock:
            return [message for _, message in self._handler.received]

    @property
    def recipients(self) -> list[list[str]]:
        with self._handler.lock:
            return [rcpt for rcpt, _ in self._handler.received]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first `count` emails, waiting for them to arrive; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while len(self.emails) < count:
            assert time.monotonic() < deadline, f"{len(self.emails)} of {count} emails arrived"
            time.sleep(0.05)
        return self.emails[:count]

    async def arrival(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """`wait_for` without blocking the event loop, for apps served in this process."""
        deadline = time.monotonic() + timeout
        while len(self.emails) < count:
            assert time.monotonic() < deadline, f"{len(self.emails)} of {count} emails arrived"
            await asyncio.sleep(0.05)
        return self.emails[:count]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n").strip()


def calendars_of(message: EmailMessage) -> list[bytes]:
    return [
        part.get_payload(decode=True)
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]
