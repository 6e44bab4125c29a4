"""Hosted events, bookings and tickets, and the rules that keep them honest."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any, NewType
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from core.booking import events
from core.identity.model import AccountId
from core.shared.clock import require_aware
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money

EventId = NewType("EventId", UUID)
BookingId = NewType("BookingId", UUID)
TicketId = NewType("TicketId", UUID)

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
CITY_MAX = 100
ADDRESS_MAX = 300
CAPACITY_MAX = 100_000
SEATS_PER_BOOKING_MAX = 20
_BARCODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a door


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    VOID = "void"


def _text(value: str, field: str, maximum: int, *, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if len(text) > maximum:
        raise ValidationFailed(f"{field} must be at most {maximum} characters", field=field)
    return text


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {name!r}; use an IANA name like Europe/Moscow", field="time_zone"
        ) from None
    return name


def _capacity(value: int) -> int:
    if not 1 <= value <= CAPACITY_MAX:
        raise ValidationFailed(f"capacity must be between 1 and {CAPACITY_MAX}", field="capacity")
    return value


def _price(value: Money | None) -> Money | None:
    if value is not None and value.amount <= 0:
        raise ValidationFailed(
            "price must be positive; leave it out for a free event", field="price"
        )
    return value


def new_barcode() -> str:
    """16 characters from a 32-letter alphabet: 80 random bits, unguessable at a door."""
    return "".join(secrets.choice(_BARCODE_ALPHABET) for _ in range(16))


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
    """A guest's seats at an event, with one ticket per seat."""

    id: BookingId
    event_id: EventId
    guest_id: AccountId
    seats: int
    created_at: datetime
    status: BookingStatus = BookingStatus.CONFIRMED
    amount: Money | None = None
    cancelled_at: datetime | None = None
    tickets: list[Ticket] = attrs.field(factory=list)

    def ensure_owned_by(self, actor: AccountId) -> None:
        if actor != self.guest_id:
            raise NotFound("booking not found")

    def cancel(self, actor: AccountId, event: Event, now: datetime) -> None:
        """The guest gives the seats back, before the event starts."""
        self.ensure_owned_by(actor)
        if self.status is not BookingStatus.CONFIRMED:
            raise Conflict("this booking is already cancelled")
        if now >= event.starts_at:
            raise Conflict("the event has started; the booking can no longer be cancelled")
        self.status = BookingStatus.CANCELLED
        self.cancelled_at = now
        for ticket in self.tickets:
            ticket.status = TicketStatus.VOID
        event.release(self.seats)
        self.record(
            events.BookingCancelled(
                event_id=uuid7(now),
                occurred_at=now,
                booking_id=self.id,
                live_event_id=self.event_id,
                guest_id=self.guest_id,
                seats=self.seats,
                title=event.details.title,
                starts_at=event.local_start,
            )
        )


@attrs.frozen
class EventDetails:
    """What a host says about an event; checked as a whole."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    city: str
    address: str
    time_zone: str = "UTC"

    def checked(self) -> EventDetails:
        starts_at = require_aware(self.starts_at, "starts_at")
        ends_at = require_aware(self.ends_at, "ends_at")
        if ends_at <= starts_at:
            raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
        return EventDetails(
            title=_text(self.title, "title", TITLE_MAX),
            description=_text(self.description, "description", DESCRIPTION_MAX, required=False),
            starts_at=starts_at,
            ends_at=ends_at,
            city=_text(self.city, "city", CITY_MAX),
            address=_text(self.address, "address", ADDRESS_MAX, required=False),
            time_zone=_time_zone(self.time_zone),
        )


@attrs.define
class Event(Aggregate):
    """A hosted event with a fixed number of seats; `booked` never exceeds `capacity`."""

    id: EventId
    host_id: AccountId
    details: EventDetails
    capacity: int
    visibility: Visibility
    created_at: datetime
    updated_at: datetime
    price: Money | None = None
    status: EventStatus = EventStatus.SCHEDULED
    booked: int = 0

    @classmethod
    def publish(
        cls,
        host_id: AccountId,
        details: EventDetails,
        capacity: int,
        visibility: Visibility,
        price: Money | None,
        now: datetime,
    ) -> Event:
        details = details.checked()
        if details.starts_at <= now:
            raise ValidationFailed("starts_at must be in the future", field="starts_at")
        event = cls(
            id=EventId(uuid7(now)),
            host_id=host_id,
            details=details,
            capacity=_capacity(capacity),
            visibility=visibility,
            created_at=now,
            updated_at=now,
            price=_price(price),
        )
        event.record(
            events.EventPublished(
                event_id=uuid7(now), occurred_at=now, live_event_id=event.id, host_id=host_id
            )
        )
        return event

    @property
    def starts_at(self) -> datetime:
        return self.details.starts_at

    @property
    def local_start(self) -> datetime:
        """The start as people at the place see it: in the event's own time zone."""
        return self.starts_at.astimezone(ZoneInfo(self.details.time_zone))

    @property
    def seats_left(self) -> int:
        return self.capacity - self.booked

    def is_host(self, account: AccountId | None) -> bool:
        return account is not None and account == self.host_id

    def ensure_manageable_by(self, actor: AccountId) -> None:
        if not self.is_host(actor):
            raise PermissionDenied("only the host who created this event may change it")

    def _ensure_open(self, now: datetime, doing: str) -> None:
        if self.status is EventStatus.CANCELLED:
            raise Conflict(f"the event is cancelled; cannot {doing}")
        if now >= self.starts_at:
            raise Conflict(f"the event has already started; cannot {doing}")

    def book(self, guest: AccountId, seats: int, now: datetime) -> Booking:
        """Take `seats` seats for `guest`, issuing one ticket per seat."""
        if self.is_host(guest):
            raise PermissionDenied("a host cannot book their own event")
        if not 1 <= seats <= SEATS_PER_BOOKING_MAX:
            raise ValidationFailed(
                f"seats must be between 1 and {SEATS_PER_BOOKING_MAX}", field="seats"
            )
        self._ensure_open(now, "book")
        if seats > self.seats_left:
            left = self.seats_left
            raise Conflict(f"only {left} seat{'s' if left != 1 else ''} left")
        self.booked += seats
        booking_id = BookingId(uuid7(now))
        booking = Booking(
            id=booking_id,
            event_id=self.id,
            guest_id=guest,
            seats=seats,
            created_at=now,
            amount=self.price * seats if self.price is not None else None,
            tickets=[
                Ticket(
                    id=TicketId(uuid7(now)),
                    booking_id=booking_id,
                    event_id=self.id,
                    holder_id=guest,
                    barcode=new_barcode(),
                    issued_at=now,
                )
                for _ in range(seats)
            ],
        )
        booking.record(
            events.BookingConfirmed(
                event_id=uuid7(now),
                occurred_at=now,
                booking_id=booking.id,
                live_event_id=self.id,
                guest_id=guest,
                seats=seats,
                title=self.details.title,
                starts_at=self.local_start,
            )
        )
        return booking

    def release(self, seats: int) -> None:
        if not 0 < seats <= self.booked:
            raise Conflict(f"cannot release {seats} seats, {self.booked} are booked")
        self.booked -= seats

    def edit(self, actor: AccountId, changes: EventChanges, now: datetime) -> None:
        self.ensure_manageable_by(actor)
        self._ensure_open(now, "edit it")
        details = attrs.evolve(self.details, **changes.detail_fields()).checked()
        if details.starts_at != self.details.starts_at and details.starts_at <= now:
            raise ValidationFailed("starts_at must be in the future", field="starts_at")
        capacity = self.capacity if changes.capacity is None else _capacity(changes.capacity)
        if capacity < self.booked:
            raise Conflict(f"{self.booked} seats are already booked; capacity cannot go below that")
        visibility = changes.visibility or self.visibility
        said = _described_changes(self, details, capacity, visibility)
        self.details, self.capacity, self.visibility = details, capacity, visibility
        if said:
            self.updated_at = now
            self.record(
                events.EventChanged(
                    event_id=uuid7(now),
                    occurred_at=now,
                    live_event_id=self.id,
                    title=details.title,
                    changes=said,
                )
            )

    def ensure_cancellable_by(self, actor: AccountId, now: datetime) -> None:
        self.ensure_manageable_by(actor)
        self._ensure_open(now, "cancel it")

    def cancel(
        self, actor: AccountId, reason: str, guest_ids: tuple[AccountId, ...], now: datetime
    ) -> None:
        """Call the event off; the bookings of `guest_ids` were cancelled with it."""
        self.ensure_cancellable_by(actor, now)
        reason = _text(reason, "reason", 500, required=False)
        self.status = EventStatus.CANCELLED
        self.booked = 0
        self.updated_at = now
        self.record(
            events.EventCancelled(
                event_id=uuid7(now),
                occurred_at=now,
                live_event_id=self.id,
                title=self.details.title,
                starts_at=self.local_start,
                reason=reason,
                guest_ids=tuple(guest_ids),
            )
        )


@attrs.frozen
class EventChanges:
    """A partial edit: None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    city: str | None = None
    address: str | None = None
    time_zone: str | None = None
    capacity: int | None = None
    visibility: Visibility | None = None

    def detail_fields(self) -> dict[str, Any]:
        names = ("title", "description", "starts_at", "ends_at", "city", "address", "time_zone")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


def _described_changes(
    event: Event, details: EventDetails, capacity: int, visibility: Visibility
) -> dict[str, str]:
    said: dict[str, str] = {}
    for name in ("title", "description", "starts_at", "ends_at", "city", "address", "time_zone"):
        new = getattr(details, name)
        if new != getattr(event.details, name):
            said[name] = new.isoformat() if isinstance(new, datetime) else str(new)
    if capacity != event.capacity:
        said["capacity"] = str(capacity)
    if visibility is not event.visibility:
        said["visibility"] = visibility.value
    return said


@attrs.frozen
class Invitation:
    """A link a host shares to let people see and book a private event."""

    id: UUID
    event_id: EventId
    token_hash: str = attrs.field(repr=False)
    created_at: datetime


@attrs.frozen
class EventFilter:
    """What a guest searches for among public events."""

    city: str | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    text: str | None = None


@attrs.frozen
class GuestListEntry:
    """One line of a host's guest list."""

    account_id: AccountId
    full_name: str
    seats: int
    booked_at: datetime
