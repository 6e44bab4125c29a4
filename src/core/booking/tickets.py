"""Bookings and their tickets: a guest's seats at an event, and the barcodes that admit them.

A free booking is confirmed at once. A paid one first holds its seats (`pending_payment`)
until the payment succeeds — then its tickets are issued, so a barcode exists only once the
seats are paid for — or until the hold lapses and the seats go back.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, NewType, TypedDict
from uuid import UUID

import attrs

from core.booking import events
from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money
from core.tickets.model import Ticket, TicketId, TicketStatus, new_barcode

__all__ = [
    "Booking",
    "BookingId",
    "BookingStatus",
    "Ticket",
    "TicketId",
    "TicketStatus",
    "new_barcode",
]

if TYPE_CHECKING:
    from core.booking.model import Event, EventId

BookingId = NewType("BookingId", UUID)


class BookingStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class _Facts(TypedDict):
    event_id: UUID
    occurred_at: datetime
    booking_id: UUID
    live_event_id: UUID
    guest_id: UUID
    seats: int
    title: str
    starts_at: datetime


@attrs.define
class Booking(Aggregate):
    """A guest's seats at an event; one ticket per seat once confirmed."""

    id: BookingId
    event_id: EventId
    guest_id: AccountId
    seats: int
    created_at: datetime
    status: BookingStatus = BookingStatus.CONFIRMED
    amount: Money | None = None
    cancelled_at: datetime | None = None
    tickets: list[Ticket] = attrs.field(factory=list)
    payment_id: UUID | None = None
    hold_expires_at: datetime | None = None
    seat_ids: tuple[UUID, ...] = ()  # the chosen seats, at a venue with a seat map

    @property
    def is_paid(self) -> bool:
        return self.amount is not None

    def ensure_owned_by(self, actor: AccountId) -> None:
        if actor != self.guest_id:
            raise NotFound("booking not found")

    def ensure_tickets_returnable(self) -> None:
        """A booking is given back whole, so every ticket must still be the guest's to give:
        a resold ticket belongs to its buyer now, and a listed one may be bought any moment."""
        if any(t.status is TicketStatus.REVOKED for t in self.tickets):
            raise Conflict(
                "a ticket of this booking was resold; its buyer holds it now, so the booking"
                " can no longer be cancelled or refunded"
            )
        if any(t.on_sale for t in self.tickets):
            raise Conflict(
                "a ticket of this booking is listed for resale; withdraw the listing first"
            )

    def _facts(self, event: Event, now: datetime) -> _Facts:
        return {
            "event_id": uuid7(now),
            "occurred_at": now,
            "booking_id": self.id,
            "live_event_id": self.event_id,
            "guest_id": self.guest_id,
            "seats": self.seats,
            "title": event.details.title,
            "starts_at": event.local_start,
        }

    def confirm(self, event: Event, now: datetime) -> bool:
        """Issue the tickets; False when the booking was already confirmed."""
        if self.status is BookingStatus.CONFIRMED:
            return False
        self.status, self.hold_expires_at = BookingStatus.CONFIRMED, None
        self.tickets = [
            Ticket.issue(
                self.id,
                self.event_id,
                self.guest_id,
                now,
                seat_id=self.seat_ids[n] if self.seat_ids else None,
            )
            for n in range(self.seats)
        ]
        from core.booking.notes import calendar_for  # notes reads the model, which reads this

        calendar = calendar_for(event, self.guest_id)
        self.record(events.BookingConfirmed(**self._facts(event, now), calendar=calendar))
        return True

    def expire(self, event: Event, now: datetime) -> bool:
        """The hold ran out unpaid: the seats go back. False when it was not on hold."""
        if self.status is not BookingStatus.PENDING_PAYMENT:
            return False
        self.status, self.cancelled_at = BookingStatus.EXPIRED, now
        event.release(self.seats, now)
        self.record(events.BookingExpired(**self._facts(event, now)))
        return True

    def cancel(self, actor: AccountId, event: Event, now: datetime) -> None:
        """The guest gives the seats back, before the event starts."""
        self.ensure_owned_by(actor)
        if self.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
            raise Conflict(f"this booking is already {self.status.value}")
        if now >= event.starts_at:
            raise Conflict("the event has started; the booking can no longer be cancelled")
        self.ensure_tickets_returnable()
        self.status = BookingStatus.CANCELLED
        self.cancelled_at = now
        for ticket in self.tickets:
            ticket.void()
        event.release(self.seats, now)
        self.record(events.BookingCancelled(**self._facts(event, now)))
