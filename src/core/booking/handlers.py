"""Booking event handlers: tell guests and hosts what happened. All idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from core.booking.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingExpired,
    EventCancelled,
    EventChanged,
)
from core.booking.model import EventId
from core.booking.paid import confirm_paid_booking, refund_event_bookings, release_hold
from core.booking.ports import BookingUnitOfWork
from core.booking.tickets import BookingId
from core.identity.model import AccountId
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import NotificationRequest, request_notifications
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


def when(moment: datetime) -> str:
    """An instant for people, in the offset it carries: `2030-05-01 19:00 (UTC+03:00)`."""
    offset = moment.strftime("%z") or "+0000"
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


async def on_booking_confirmed(event: BookingConfirmed, ctx: BookingContext) -> None:
    facts = {"title": event.title, "starts_at": when(event.starts_at)}
    await request_notifications(
        [
            NotificationRequest(
                AccountId(event.guest_id),
                "booking_confirmed",
                f"{event.name}:{event.booking_id}",
                {**facts, "seats": str(event.seats)},
            )
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


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


async def on_event_changed(event: EventChanged, ctx: BookingContext) -> None:
    uow = ctx.new_uow()
    async with uow:
        guests = await uow.guests.guest_ids(EventId(event.live_event_id))
    changes = ", ".join(f"{k} is now {v}" for k, v in sorted(event.changes.items()))
    await request_notifications(
        [
            NotificationRequest(
                guest,
                "event_changed",
                f"{event.name}:{event.event_id}:{guest}",
                {"title": event.title, "changes": changes},
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
    BookingConfirmed.name: [on_booking_confirmed],
    BookingCancelled.name: [on_booking_cancelled],
    BookingExpired.name: [on_booking_expired],
    EventCancelled.name: [on_event_cancelled, refund_cancelled_event],
    EventChanged.name: [on_event_changed],
    PaymentSucceeded.name: [on_payment_succeeded],
    PaymentFailed.name: [on_payment_closed],
    PaymentExpired.name: [on_payment_closed],
}
