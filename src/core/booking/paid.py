"""Paid bookings: what happens when the payment of a held booking succeeds, fails or expires,
and the refunds that cancellations owe. Every function is idempotent: payment news arrives at
least once and in any order.
"""

from __future__ import annotations

from datetime import datetime

from core.booking.model import Event, EventId
from core.booking.ports import BookingUnitOfWork
from core.booking.tickets import Booking, BookingId, BookingStatus
from core.booking.waitlist import offer_freed_seats
from core.payments.model import CAPTURED, Payment, PaymentId, Purpose, Refund
from core.payments.services import PaymentTerms, Providers, hand_over_refund
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
        elif booking.status is BookingStatus.EXPIRED and await _retake(booking, event, uow, now):
            booking.confirm(event, now)
            await uow.events.save(event)
        elif booking.status is not BookingStatus.CONFIRMED:
            refund = await reserve_refund(booking, SEATS_GONE, uow, now)
        await uow.bookings.save(booking)
        await uow.commit()
    if refund is not None:
        await hand_over(refund, uow=uow, providers=providers)
    return booking


async def _retake(booking: Booking, event: Event, uow: BookingUnitOfWork, now: datetime) -> bool:
    """Under the event's lock: take a lapsed booking's seats back if they are all still free."""
    if booking.seat_ids and set(booking.seat_ids) & await uow.seats.taken(event.id):
        return False
    if not event.retake(booking.seats, now):
        return False
    if booking.seat_ids:
        await uow.seats.hold(event.id, booking.id, booking.seat_ids)
    return True


async def release_hold(booking_id: BookingId, *, uow: BookingUnitOfWork, clock: Clock) -> Booking:
    """The payment failed or expired: a booking still on hold gives its seats back."""
    async with uow:
        booking = await uow.bookings.get(booking_id)
        event = await uow.events.get_for_update(booking.event_id)
        booking = await uow.bookings.get(booking_id)
        now = clock.now()
        if booking.expire(event, now):
            await uow.bookings.save(booking)
            await uow.seats.release(booking.id)
            await uow.events.save(event)
            await offer_freed_seats(event, uow, now)
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


def payment_for(booking: Booking, event: Event, terms: PaymentTerms, now: datetime) -> Payment:
    """The payment of a held, priced booking; made in the booking's own transaction."""
    assert booking.amount is not None
    assert booking.hold_expires_at is not None
    payment = Payment.create(
        payer_id=booking.guest_id,
        amount=booking.amount,
        purpose=Purpose.BOOKING,
        reference_id=booking.id,
        provider=terms.provider,
        description=f"{booking.seats} x {event.details.title}",
        now=now,
        expires_at=booking.hold_expires_at,
    )
    booking.payment_id = payment.id
    return payment
