"""Hosted events, bookings and tickets, and the rules that keep them honest."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NewType
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from core.booking import events
from core.booking.tickets import (  # noqa: F401 - also imported from here by adapters and tests
    Booking,
    BookingId,
    BookingStatus,
    Ticket,
    TicketId,
    TicketStatus,
    new_barcode,
)
from core.identity.model import AccountId
from core.shared.clock import require_aware
from core.shared.errors import Conflict, PermissionDenied, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money

if TYPE_CHECKING:
    from core.booking.seating import Venue

EventId = NewType("EventId", UUID)

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
CITY_MAX = 100
ADDRESS_MAX = 300
CAPACITY_MAX = 100_000
SEATS_PER_BOOKING_MAX = 20
HOLD_DEFAULT = timedelta(minutes=15)


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"
    """The host said it took place: it is over, reviews are open."""


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
    venue_id: UUID | None = None
    """A venue with a seat map: one seat per place, priced by its category."""

    @classmethod
    def publish(
        cls,
        host_id: AccountId,
        details: EventDetails,
        capacity: int,
        visibility: Visibility,
        price: Money | None,
        now: datetime,
        venue: Venue | None = None,
    ) -> Event:
        details = details.checked()
        if details.starts_at <= now:
            raise ValidationFailed("starts_at must be in the future", field="starts_at")
        if venue is not None:
            if price is not None:
                raise ValidationFailed(
                    "a seated event is priced by its seat map's categories; leave price out",
                    field="price",
                )
            capacity = len(venue.seats)
        event = cls(
            id=EventId(uuid7(now)),
            host_id=host_id,
            details=details,
            capacity=_capacity(capacity),
            visibility=visibility,
            created_at=now,
            updated_at=now,
            price=_price(price),
            venue_id=None if venue is None else venue.id,
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

    def is_open(self, now: datetime) -> bool:
        """Scheduled and not started: seats can still be booked."""
        return self.status is EventStatus.SCHEDULED and now < self.starts_at

    def ensure_open(self, now: datetime, doing: str) -> None:
        if self.status is EventStatus.CANCELLED:
            raise Conflict(f"the event is cancelled; cannot {doing}")
        if now >= self.starts_at:
            raise Conflict(f"the event has already started; cannot {doing}")

    def book(
        self,
        guest: AccountId,
        seats: int,
        now: datetime,
        *,
        hold: timedelta = HOLD_DEFAULT,
        venue: Venue | None = None,
        wanted: Sequence[UUID] = (),
        taken: frozenset[UUID] = frozenset(),
    ) -> Booking:
        """Take `seats` seats for `guest`: confirmed with tickets when the event is free, held
        for `hold` awaiting payment when it has a price. At a venue (`venue`, with the seats
        `taken` already) the seats are those `wanted`, or the first free ones, and their
        categories set the price."""
        if self.is_host(guest):
            raise PermissionDenied("a host cannot book their own event")
        if not 1 <= seats <= SEATS_PER_BOOKING_MAX:
            raise ValidationFailed(
                f"seats must be between 1 and {SEATS_PER_BOOKING_MAX}", field="seats"
            )
        amount = self.price * seats if self.price is not None else None
        places: tuple[UUID, ...] = ()
        if venue is not None:
            chosen = venue.choose(wanted, seats, set(taken))
            places, amount = tuple(seat.id for seat in chosen), venue.price_of(chosen)
        elif wanted:
            raise ValidationFailed(
                "this event has no seat map; leave seat_ids out", field="seat_ids"
            )
        self.take(seats, now)
        booking = Booking(
            id=BookingId(uuid7(now)),
            event_id=self.id,
            guest_id=guest,
            seats=seats,
            created_at=now,
            status=BookingStatus.PENDING_PAYMENT,
            amount=amount,
            hold_expires_at=now + hold if amount is not None else None,
            seat_ids=places,
        )
        if amount is None:
            booking.confirm(self, now)
        return booking

    def take(self, seats: int, now: datetime, *, doing: str = "book") -> None:
        """Take `seats` of what is left: for a guest's booking or a partner's hold."""
        self.ensure_open(now, doing)
        if seats > self.seats_left:
            left = self.seats_left
            raise Conflict(f"only {left} seat{'s' if left != 1 else ''} left")
        self.booked += seats
        self.seats_moved(now)

    def retake(self, seats: int, now: datetime) -> bool:
        """Take seats back for a booking whose hold lapsed, if the event still has them."""
        if self.status is EventStatus.CANCELLED or now >= self.starts_at:
            return False
        if seats > self.seats_left:
            return False
        self.booked += seats
        self.seats_moved(now)
        return True

    def release(self, seats: int, now: datetime) -> None:
        if not 0 < seats <= self.booked:
            raise Conflict(f"cannot release {seats} seats, {self.booked} are booked")
        self.booked -= seats
        self.seats_moved(now)

    def seats_moved(self, now: datetime) -> None:
        """Record that what is left to sell changed (partners and watchers are told)."""
        self.record(
            events.AvailabilityChanged(
                event_id=uuid7(now), occurred_at=now, live_event_id=self.id, host_id=self.host_id
            )
        )

    def edit(self, actor: AccountId, changes: EventChanges, now: datetime) -> None:
        self.ensure_manageable_by(actor)
        self.ensure_open(now, "edit it")
        details = attrs.evolve(self.details, **changes.detail_fields()).checked()
        if details.starts_at != self.details.starts_at and details.starts_at <= now:
            raise ValidationFailed("starts_at must be in the future", field="starts_at")
        capacity = self.capacity if changes.capacity is None else _capacity(changes.capacity)
        if self.venue_id is not None and capacity != self.capacity:
            raise ValidationFailed(
                "a seated event has as many seats as its seat map", field="capacity"
            )
        if capacity < self.booked:
            raise Conflict(f"{self.booked} seats are already booked; capacity cannot go below that")
        visibility = changes.visibility or self.visibility
        said = _described_changes(self, details, capacity, visibility)
        resized = capacity != self.capacity
        self.details, self.capacity, self.visibility = details, capacity, visibility
        if resized:
            self.seats_moved(now)
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

    def mark_held(self, actor: AccountId, now: datetime) -> None:
        """The host says the event took place; possible from its start on."""
        self.ensure_manageable_by(actor)
        if self.status is EventStatus.CANCELLED:
            raise Conflict("the event was cancelled; it cannot be marked held")
        if now < self.starts_at:
            raise Conflict("the event has not started yet; mark it held once it has taken place")
        if self.status is not EventStatus.HELD:
            self.status, self.updated_at = EventStatus.HELD, now

    def ensure_cancellable_by(self, actor: AccountId, now: datetime) -> None:
        self.ensure_manageable_by(actor)
        self.ensure_open(now, "cancel it")

    def cancel(
        self, actor: AccountId, reason: str, guest_ids: tuple[AccountId, ...], now: datetime
    ) -> None:
        """Call the event off; the bookings of `guest_ids` were cancelled with it."""
        self.ensure_cancellable_by(actor, now)
        reason = _text(reason, "reason", 500, required=False)
        self.status = EventStatus.CANCELLED
        self.booked = 0
        self.updated_at = now
        self.seats_moved(now)
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
    rating: float | None = None
    """The guest's average rating from hosts' reviews; None before any."""
    reviews: int = 0
