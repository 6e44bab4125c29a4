"""The reminder job: claim the due reminders, request their notifications, mark them done,
all in one transaction (see core.booking.reminders for the whole story)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.booking.model import EventStatus
from core.booking.notes import calendar_for, place, when
from core.booking.ports import BookingUnitOfWork
from core.booking.reminders import Reminder, ReminderKind, ReminderRepository, reminder_key
from core.booking.tickets import BookingId, BookingStatus
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import NotificationRequest, add_requests
from core.shared.clock import Clock
from core.shared.errors import NotFound


class ReminderUnitOfWork(BookingUnitOfWork, NotificationsUnitOfWork, Protocol):
    """Reminders are claimed and their notifications requested in one transaction."""

    reminders: ReminderRepository


async def send_due_reminders(*, uow: ReminderUnitOfWork, clock: Clock, limit: int = 100) -> int:
    """Request the notifications of the reminders due now; returns how many were requested.

    One transaction per batch of `limit`; batches repeat until one comes back short.
    """
    requested = 0
    while True:
        async with uow:
            now = clock.now()
            due = await uow.reminders.claim_due(now, limit)
            settled: list[UUID] = []
            requests: list[NotificationRequest] = []
            for reminder in due:
                verdict = await _request_for(reminder, uow, now)
                if verdict is _MOVED:
                    continue
                settled.append(reminder.id)
                if isinstance(verdict, NotificationRequest):
                    requests.append(verdict)
            await add_requests(requests, uow=uow, now=now)
            await uow.reminders.mark_done(settled, now)
            await uow.commit()
        requested += len(requests)
        if len(due) < limit:
            return requested


_MOVED = "moved"


async def _request_for(
    reminder: Reminder, uow: ReminderUnitOfWork, now: datetime
) -> NotificationRequest | str | None:
    """The notification a due reminder asks for; None when it no longer applies (settle it
    unsent); _MOVED when its event moved after it was written (it was moved with it)."""
    try:
        event = await uow.events.get(reminder.event_id)
    except NotFound:
        return None
    if event.status is not EventStatus.SCHEDULED or event.starts_at <= now:
        return None
    if event.starts_at - reminder.kind.lead != reminder.due_at:
        await uow.reminders.move(event.id, event.starts_at, now)
        return _MOVED
    if any(now >= event.starts_at - k.lead for k in ReminderKind if k.lead < reminder.kind.lead):
        return None  # claimed so late that a nearer reminder is due too: that one says it
    facts = {
        "title": event.details.title,
        "starts_at": when(event.local_start),
        "place": place(event),
        "lead": reminder.kind.value,
        **calendar_for(event, reminder.recipient_id),
    }
    if reminder.for_host:
        facts["guests"] = str(sum(entry.seats for entry in await uow.guests.entries(event.id)))
        template = "host_reminder"
    else:
        booking = await uow.bookings.get(BookingId(reminder.subject_id))
        if booking.status is not BookingStatus.CONFIRMED:
            return None
        facts["seats"] = str(booking.seats)
        template = "reminder"
    return NotificationRequest(reminder.recipient_id, template, reminder_key(reminder), facts)
