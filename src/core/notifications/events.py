"""Notification domain events."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class NotificationRequested(DomainEvent):
    name = "notification.requested"
    notification_id: UUID


EVENTS: tuple[type[DomainEvent], ...] = (NotificationRequested,)
