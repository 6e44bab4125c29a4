"""What notifications need from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.identity.ports import AccountRepository
from core.notifications.model import Message, Notification
from core.shared.uow import UnitOfWork


class NotificationRepository(Protocol):
    async def add_if_absent(self, notification: Notification) -> bool:
        """Store it unless one with the same dedupe_key exists; True when stored."""
        ...

    async def get(self, notification_id: UUID) -> Notification: ...

    async def get_for_update(self, notification_id: UUID) -> Notification: ...

    async def save(self, notification: Notification) -> None: ...

    async def claim_pending(self, limit: int) -> list[Notification]:
        """Pending notifications, oldest first, locked for this transaction; rows another
        transaction holds are skipped, not waited for."""
        ...

    async def mark_sent(self, ids: Sequence[UUID], now: datetime) -> None: ...


class NotificationsUnitOfWork(UnitOfWork, Protocol):
    notifications: NotificationRepository
    accounts: AccountRepository


class Notifier(Protocol):
    """Delivers a message (console, SMTP, Telegram...). May raise; delivery is retried."""

    async def send(self, message: Message) -> None: ...
