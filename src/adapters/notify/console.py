"""Console notifier and SMS sender: the embedded default, printing through structlog."""

from __future__ import annotations

import structlog

from core.notifications.model import Message

log = structlog.get_logger("stagedoor.notify")


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(0, len(phone) - 5) + phone[-2:]


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


class ConsoleNotifier:
    """Writes each message to the log instead of sending it (addresses masked)."""

    async def send(self, message: Message) -> None:
        log.info(
            "notification.sent",
            to=mask_email(message.to_email),
            subject=message.subject,
            body=message.body,
            dedupe_key=message.dedupe_key,
        )


class ConsoleSmsSender:
    """Logs that a text was sent, never its content: it carries a one-time code.

    For demos and tests, STAGEDOOR_TEST_PHONES gives listed phones fixed codes instead.
    """

    async def send(self, phone: str, text: str) -> None:
        log.info("sms.sent", to=mask_phone(phone), length=len(text))
