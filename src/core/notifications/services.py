"""Notification use cases: request (idempotent) and deliver (at most once per success)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.notifications.model import Message, Notification, NotificationStatus
from core.notifications.ports import NotificationsUnitOfWork, Notifier
from core.notifications.templates import calendar_entry, render
from core.shared.clock import Clock


@attrs.frozen
class NotificationRequest:
    recipient_id: AccountId
    template: str
    dedupe_key: str
    data: dict[str, str] = attrs.field(factory=dict)


async def request_notifications(
    requests: Iterable[NotificationRequest], *, uow: NotificationsUnitOfWork, clock: Clock
) -> int:
    """Store each request once; a repeat with the same dedupe key is a no-op. Returns how many
    were new."""
    async with uow:
        added = await add_requests(requests, uow=uow, now=clock.now())
        await uow.commit()
    return added


async def add_requests(
    requests: Iterable[NotificationRequest], *, uow: NotificationsUnitOfWork, now: datetime
) -> int:
    """Inside a caller's transaction: store each request once (see request_notifications)."""
    added = 0
    for req in requests:
        render(req.template, req.data)  # an unknown template fails here, not at delivery
        notification = Notification.request(
            req.recipient_id, req.template, req.dedupe_key, req.data, now
        )
        if await uow.notifications.add_if_absent(notification):
            added += 1
    return added


async def deliver_notification(
    notification_id: UUID, *, uow: NotificationsUnitOfWork, notifier: Notifier, clock: Clock
) -> bool:
    """Send a pending notification and mark it sent; False when it was already sent."""
    async with uow:
        notification = await uow.notifications.get_for_update(notification_id)
        if notification.status is NotificationStatus.SENT:
            return False
        await notifier.send(await _message(notification, uow))
        notification.mark_sent(clock.now())
        await uow.notifications.save(notification)
        await uow.commit()
    return True


async def deliver_pending(
    *, uow: NotificationsUnitOfWork, notifier: Notifier, clock: Clock, limit: int = 50
) -> int:
    """Send the pending notifications, a batch at a time; returns how many were sent.

    A batch is claimed (skipping those another worker holds), sent one by one and marked
    sent in one statement. If a send fails, the ones sent before it are still marked sent and
    the error goes up, so that the rest are tried again later.
    """
    delivered = 0
    while True:
        sent: list[UUID] = []
        async with uow:
            batch = await uow.notifications.claim_pending(limit)
            try:
                for notification in batch:
                    await notifier.send(await _message(notification, uow))
                    sent.append(notification.id)
            finally:
                if sent:
                    await uow.notifications.mark_sent(sent, clock.now())
                    await uow.commit()
        delivered += len(sent)
        if len(batch) < limit:
            return delivered


async def _message(notification: Notification, uow: NotificationsUnitOfWork) -> Message:
    account = await uow.accounts.get(notification.recipient_id)
    subject, body = render(notification.template, notification.data, account.language)
    calendar = calendar_entry(notification.data)
    return Message(
        recipient_id=account.id,
        to_name=account.full_name,
        to_email=account.email,
        subject=subject,
        body=body,
        dedupe_key=notification.dedupe_key,
        language=account.language,
        attachments=() if calendar is None else (calendar,),
    )


async def notification_message(notification_id: UUID, *, uow: NotificationsUnitOfWork) -> Message:
    """The message a notification says, as its notifier gets it (for other channels)."""
    async with uow:
        notification = await uow.notifications.get(notification_id)
        return await _message(notification, uow)
