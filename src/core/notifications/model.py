"""A notification: one message to one account about one fact, sent at most once."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import attrs

from core.identity.model import AccountId
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
class Message:
    """What a Notifier delivers; `dedupe_key` lets a provider drop a repeat."""

    recipient_id: AccountId
    to_name: str
    to_email: str
    subject: str
    body: str
    dedupe_key: str
