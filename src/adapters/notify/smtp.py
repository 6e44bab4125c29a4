"""Email through an SMTP server (aiosmtplib): plain text in the recipient's language, with
the booking's calendar entry attached as an .ics file.

The Message-ID is derived from the notification's dedupe key, so if a delivery is retried
after the server took the message but before it was marked sent, the two copies carry the
same id and mail clients show one.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Literal

import aiosmtplib
import attrs
import structlog

from adapters.notify.console import mask_email
from adapters.notify.ics import ics, method_of
from core.notifications.model import Message

log = structlog.get_logger("stagedoor.notify")

Security = Literal["none", "starttls", "tls"]


@attrs.frozen
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "Stagedoor <no-reply@stagedoor.local>"
    username: str = ""
    password: str = attrs.field(default="", repr=False)
    security: Security = "none"
    timeout: float = 10.0
    domain: str = "stagedoor.local"  # the right-hand side of Message-IDs


def message_id(dedupe_key: str, domain: str) -> str:
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def email_of(message: Message, settings: SmtpSettings) -> EmailMessage:
    """The MIME message: text/plain in UTF-8, and one text/calendar part per calendar entry."""
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = formataddr((message.to_name, message.to_email))
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message.dedupe_key, settings.domain)
    email.set_content(message.body, charset="utf-8")
    for entry in message.attachments:
        email.add_attachment(
            ics(entry),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method_of(entry)},
        )
    email["Content-Language"] = message.language.value  # after the parts: they reset Content-*
    return email


class SmtpNotifier:
    """Sends each message as one email; raises on any failure, so delivery is retried."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> None:
        s = self.settings
        await aiosmtplib.send(
            email_of(message, s),
            hostname=s.host,
            port=s.port,
            username=s.username or None,
            password=s.password or None,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",
            timeout=s.timeout,
        )
        log.info("notification.emailed", to=mask_email(message.to_email), key=message.dedupe_key)
