"""Booking event handlers: tell guests and hosts what happened. All idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from core.booking.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingExpired,
    EventCancelled,
    EventChanged,
    EventPublished,
    WaitlistOffered,
)
from core.booking.model import Event, EventId
from core.booking.notes import CALENDAR_FIELDS, calendar_for, when
from core.booking.paid import confirm_paid_booking, refund_event_bookings, release_hold
from core.booking.ports import BookingUnitOfWork
from core.booking.reminders import reminders_for
from core.booking.tickets import BookingId
from core.identity.model import AccountId
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import NotificationRequest, add_requests, request_notifications
from core.payments.events import PaymentExpired, PaymentFailed, PaymentSucceeded
from core.payments.model import Purpose
from core.payments.services import Providers
from core.shared.clock import Clock
from core.shared.events import Handler


class BookingNotificationsUnitOfWork(BookingUnitOfWork, NotificationsUnitOfWork, Protocol):
    """Handlers read bookings and write notification requests in one transaction."""


class BookingContext(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def payment_providers(self) -> Providers: ...

    def new_uow(self) -> BookingNotificationsUnitOfWork: ...


async def on_booking_confirmed(event: BookingConfirmed, ctx: BookingContext) -> None:
    """Tell the guest, with the event for their calendar, and schedule their reminders: one
    transaction, so that a confirmation under load costs one round of the database."""
    now = ctx.clock.now()
    guest = AccountId(event.guest_id)
    uow = ctx.new_uow()
    async with uow:
        reminders = reminders_for(
            event.booking_id, guest, event.live_event_id, event.starts_at, now
        )
        await uow.reminders.schedule(reminders)
        calendar = event.calendar
        if not calendar:  # recorded before confirmations carried it
            live = await uow.events.get(EventId(event.live_event_id))
            calendar = calendar_for(live, event.guest_id)
        facts = {
            "title": event.title,
            "starts_at": when(event.starts_at),
            "seats": str(event.seats),
            **calendar,
        }
        request = NotificationRequest(
            guest, "booking_confirmed", f"{event.name}:{event.booking_id}", facts
        )
        await add_requests([request], uow=uow, now=now)
        await uow.commit()


async def on_event_published(event: EventPublished, ctx: BookingContext) -> None:
    """Schedule the host's reminders of their event."""
    uow = ctx.new_uow()
    async with uow:
        live = await uow.events.get(EventId(event.live_event_id))
        host = AccountId(event.host_id)
        ahead = reminders_for(live.id, host, live.id, live.starts_at, ctx.clock.now())
        await uow.reminders.schedule(ahead)
        await uow.commit()


async def on_booking_cancelled(event: BookingCancelled, ctx: BookingContext) -> None:
    facts = {"title": event.title, "starts_at": when(event.starts_at)}
    await request_notifications(
        [
            NotificationRequest(
                AccountId(event.guest_id),
                "booking_cancelled",
                f"{event.name}:{event.booking_id}",
                facts,
            )
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


async def on_event_cancelled(event: EventCancelled, ctx: BookingContext) -> None:
    data = {"title": event.title, "starts_at": when(event.starts_at), "reason": event.reason}
    await request_notifications(
        [
            NotificationRequest(
                AccountId(guest), "event_cancelled", f"{event.name}:{event.event_id}:{guest}", data
            )
            for guest in dict.fromkeys(event.guest_ids)
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


def _change_facts(event: EventChanged, live: Event) -> dict[str, str]:
    """`change.<field>` facts, instants shown in the event's own time zone."""
    zone = ZoneInfo(live.details.time_zone)
    facts = {}
    for name, value in event.changes.items():
        if name in ("starts_at", "ends_at"):
            value = when(datetime.fromisoformat(value).astimezone(zone))
        facts[f"change.{name}"] = value
    return facts


async def on_event_changed(event: EventChanged, ctx: BookingContext) -> None:
    """Tell every guest the new terms; with a fresh calendar entry when times or place moved."""
    uow = ctx.new_uow()
    async with uow:
        live = await uow.events.get(EventId(event.live_event_id))
        guests = await uow.guests.guest_ids(live.id)
    facts = {"title": event.title, **_change_facts(event, live)}
    moved = bool(CALENDAR_FIELDS & set(event.changes))
    await request_notifications(
        [
            NotificationRequest(
                guest,
                "event_changed",
                f"{event.name}:{event.event_id}:{guest}",
                {**facts, **(calendar_for(live, guest) if moved else {})},
            )
            for guest in guests
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


async def on_booking_expired(event: BookingExpired, ctx: BookingContext) -> None:
    await request_notifications(
        [
            NotificationRequest(
                AccountId(event.guest_id),
                "booking_expired",
                f"{event.name}:{event.booking_id}",
                {"title": event.title, "starts_at": when(event.starts_at)},
            )
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


async def on_waitlist_offered(event: WaitlistOffered, ctx: BookingContext) -> None:
    """Tell the waiting guest that seats are held for them, and until when."""
    await request_notifications(
        [
            NotificationRequest(
                AccountId(event.guest_id),
                "waitlist_offer",
                f"{event.name}:{event.entry_id}",
                {
                    "title": event.title,
                    "starts_at": when(event.starts_at),
                    "seats": str(event.seats),
                    "expires_at": when(event.expires_at),
                },
            )
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


async def refund_cancelled_event(event: EventCancelled, ctx: BookingContext) -> None:
    await refund_event_bookings(
        EventId(event.live_event_id),
        uow=ctx.new_uow(),
        clock=ctx.clock,
        providers=ctx.payment_providers,
    )


async def on_payment_succeeded(event: PaymentSucceeded, ctx: BookingContext) -> None:
    if event.purpose == Purpose.BOOKING:
        await confirm_paid_booking(
            BookingId(event.reference_id),
            uow=ctx.new_uow(),
            clock=ctx.clock,
            providers=ctx.payment_providers,
        )


async def on_payment_closed(event: PaymentFailed | PaymentExpired, ctx: BookingContext) -> None:
    if event.purpose == Purpose.BOOKING:
        await release_hold(BookingId(event.reference_id), uow=ctx.new_uow(), clock=ctx.clock)


HANDLERS: dict[str, Sequence[Handler]] = {
    EventPublished.name: [on_event_published],
    BookingConfirmed.name: [on_booking_confirmed],
    BookingCancelled.name: [on_booking_cancelled],
    BookingExpired.name: [on_booking_expired],
    EventCancelled.name: [on_event_cancelled, refund_cancelled_event],
    EventChanged.name: [on_event_changed],
    WaitlistOffered.name: [on_waitlist_offered],
    PaymentSucceeded.name: [on_payment_succeeded],
    PaymentFailed.name: [on_payment_closed],
    PaymentExpired.name: [on_payment_closed],
}
