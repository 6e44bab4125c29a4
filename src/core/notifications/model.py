"""A notification: one message to one account about one fact, sent at most once."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import attrs

from core.identity.model import AccountId, Language
from core.notifications import events
from core.shared.events import Aggregate
from core.shared.ids import uuid7


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"


@attrs.define
class Notification(Aggregate):
    """`dedupe_key` names the fact and recipient: requesting it twice stores it once."""

    id: UUID
    recipient_id: AccountId
    template: str
    dedupe_key: str
    data: dict[str, str]
    created_at: datetime
    status: NotificationStatus = NotificationStatus.PENDING
    sent_at: datetime | None = None

    @classmethod
    def request(
        cls,
        recipient_id: AccountId,
        template: str,
        dedupe_key: str,
        data: dict[str, str],
        now: datetime,
    ) -> Notification:
        notification = cls(
            id=uuid7(now),
            recipient_id=recipient_id,
            template=template,
            dedupe_key=dedupe_key,
            data=data,
            created_at=now,
        )
        notification.record(
            events.NotificationRequested(
                event_id=uuid7(now), occurred_at=now, notification_id=notification.id
            )
        )
        return notification

    def mark_sent(self, now: datetime) -> None:
        self.status = NotificationStatus.SENT
        self.sent_at = now


@attrs.frozen
class CalendarEntry:
    """An event for the recipient's calendar; an adapter renders it (an .ics attachment).

    `uid` stays the same for every message about one event and person, and `sequence` grows
    with each change, so a calendar updates the entry it already has instead of adding one.
    """

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str = ""
    sequence: int = 0
    cancelled: bool = False


Attachment = CalendarEntry
"""What a message may carry besides its text (today: calendar entries)."""


@attrs.frozen
class Message:
    """What a Notifier delivers; `dedupe_key` lets a provider drop a repeat. The subject and
    body are already in `language`, the recipient's."""

    recipient_id: AccountId
    to_name: str
    to_email: str
    subject: str
    body: str
    dedupe_key: str
    language: Language = Language.EN
    attachments: tuple[Attachment, ...] = ()
