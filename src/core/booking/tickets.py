"""Bookings and their tickets: a guest's seats at an event, and the barcodes that admit them.

A free booking is confirmed at once. A paid one first holds its seats (`pending_payment`)
until the payment succeeds — then its tickets are issued, so a barcode exists only once the
seats are paid for — or until the hold lapses and the seats go back.
"""

from __future__ import annotations

import enum
import secrets
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

if TYPE_CHECKING:
    from core.booking.model import Event, EventId

BookingId = NewType("BookingId", UUID)
TicketId = NewType("TicketId", UUID)

_BARCODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a door


class BookingStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    VOID = "void"


def new_barcode() -> str:
    """16 characters from a 32-letter alphabet: 80 random bits, unguessable at a door."""
    return "".join(secrets.choice(_BARCODE_ALPHABET) for _ in range(16))


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
class Ticket:
    """The right of one person to one seat; its barcode is what the door scans.

    One concept for booking and resale: a resold ticket gets a new barcode and holder.
    """

    id: TicketId
    booking_id: BookingId
    event_id: EventId
    holder_id: AccountId
    barcode: str = attrs.field(repr=False)
    issued_at: datetime
    status: TicketStatus = TicketStatus.VALID


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

    @property
    def is_paid(self) -> bool:
        return self.amount is not None

    def ensure_owned_by(self, actor: AccountId) -> None:
        if actor != self.guest_id:
            raise NotFound("booking not found")

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
            Ticket(
                id=TicketId(uuid7(now)),
                booking_id=self.id,
                event_id=self.event_id,
                holder_id=self.guest_id,
                barcode=new_barcode(),
                issued_at=now,
            )
            for _ in range(self.seats)
        ]
        self.record(events.BookingConfirmed(**self._facts(event, now)))
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
        self.status = BookingStatus.CANCELLED
        self.cancelled_at = now
        for ticket in self.tickets:
            ticket.status = TicketStatus.VOID
        event.release(self.seats, now)
        self.record(events.BookingCancelled(**self._facts(event, now)))
