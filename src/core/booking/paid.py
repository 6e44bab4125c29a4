"""Paid bookings: what happens when the payment of a held booking succeeds, fails or expires,
and the refunds that cancellations owe. Every function is idempotent: payment news arrives at
least once and in any order.
"""

from __future__ import annotations

from datetime import datetime

from core.booking.model import EventId
from core.booking.ports import BookingUnitOfWork
from core.booking.tickets import Booking, BookingId, BookingStatus
from core.payments.model import CAPTURED, PaymentId, Refund
from core.payments.services import Providers, hand_over_refund
from core.payments.services import reserve_refund as reserve_payment_refund
from core.shared.clock import Clock

SEATS_GONE = "the seats were no longer available when the payment arrived"


async def reserve_refund(
    booking: Booking, reason: str, uow: BookingUnitOfWork, now: datetime
) -> Refund | None:
    """Inside a transaction: set aside a refund of what is left on the booking's payment."""
    if booking.payment_id is None:
        return None
    return await reserve_payment_refund(PaymentId(booking.payment_id), reason, uow, now)


hand_over = hand_over_refund


async def confirm_paid_booking(
    booking_id: BookingId, *, uow: BookingUnitOfWork, clock: Clock, providers: Providers
) -> Booking:
    """The booking's payment succeeded: issue the tickets, or, if the hold lapsed and the
    seats went meanwhile (or the booking or its event was cancelled), refund the money."""
    now = clock.now()
    refund = None
    async with uow:
        booking = await uow.bookings.get(booking_id)
        event = await uow.events.get_for_update(booking.event_id)
        booking = await uow.bookings.get(booking_id)  # re-read under the event's lock
        if booking.status is BookingStatus.PENDING_PAYMENT:
            booking.confirm(event, now)
        elif booking.status is BookingStatus.EXPIRED and event.retake(booking.seats, now):
            booking.confirm(event, now)
            await uow.events.save(event)
        elif booking.status is not BookingStatus.CONFIRMED:
            refund = await reserve_refund(booking, SEATS_GONE, uow, now)
        await uow.bookings.save(booking)
        await uow.commit()
    if refund is not None:
        await hand_over(refund, uow=uow, providers=providers)
    return booking


async def release_hold(booking_id: BookingId, *, uow: BookingUnitOfWork, clock: Clock) -> Booking:
    """The payment failed or expired: a booking still on hold gives its seats back."""
    async with uow:
        booking = await uow.bookings.get(booking_id)
        event = await uow.events.get_for_update(booking.event_id)
        booking = await uow.bookings.get(booking_id)
        if booking.expire(event, clock.now()):
            await uow.bookings.save(booking)
            await uow.events.save(event)
            await uow.commit()
    return booking


async def refund_event_bookings(
    event_id: EventId, *, uow: BookingUnitOfWork, clock: Clock, providers: Providers
) -> int:
    """The event was cancelled: refund every paid booking of it (what is left of each)."""
    async with uow:
        payment_ids = await uow.bookings.payments_of_event(event_id)
    refunded = 0
    for payment_id in payment_ids:
        async with uow:
            payment = await uow.payments.get_for_update(payment_id)
            if payment.status not in CAPTURED or payment.refundable.amount <= 0:
                continue
            refund = payment.request_refund(None, "the event was cancelled", clock.now())
            await uow.refunds.add(refund)
            await uow.payments.save(payment)
            await uow.commit()
        await hand_over(refund, uow=uow, providers=providers)
        refunded += 1
    return refunded
