"""Booking domain events."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from core.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class EventPublished(DomainEvent):
    name = "event.published"
    live_event_id: UUID
    host_id: UUID


@attrs.frozen(kw_only=True)
class EventChanged(DomainEvent):
    """The host changed what guests were told; `changes` maps field -> new value, for people."""

    name = "event.changed"
    live_event_id: UUID
    title: str
    changes: dict[str, str]


@attrs.frozen(kw_only=True)
class EventCancelled(DomainEvent):
    name = "event.cancelled"
    live_event_id: UUID
    title: str
    starts_at: datetime
    reason: str
    guest_ids: tuple[UUID, ...]


@attrs.frozen(kw_only=True)
class _BookingEvent(DomainEvent):
    """Carries what the guest is told (title, local start), so handlers need not read it."""

    booking_id: UUID
    live_event_id: UUID
    guest_id: UUID
    seats: int
    title: str
    starts_at: datetime


@attrs.frozen(kw_only=True)
class BookingConfirmed(_BookingEvent):
    """Seats were booked (and paid for, if the event has a price): tickets exist. `calendar`
    holds the event's calendar facts for the guest (core.booking.notes), so that telling
    them reads nothing."""

    name = "booking.confirmed"
    calendar: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class BookingCancelled(_BookingEvent):
    name = "booking.cancelled"


@attrs.frozen(kw_only=True)
class BookingExpired(_BookingEvent):
    """A hold lapsed unpaid, or its payment failed: the seats went back."""

    name = "booking.expired"


@attrs.frozen(kw_only=True)
class WaitlistOffered(DomainEvent):
    """Freed seats are held for a waiting guest until `expires_at` (local time)."""

    name = "waitlist.offered"
    entry_id: UUID
    live_event_id: UUID
    guest_id: UUID
    seats: int
    title: str
    starts_at: datetime
    expires_at: datetime


@attrs.frozen(kw_only=True)
class AvailabilityChanged(DomainEvent):
    """Seats of an event were taken or given back, or it was cancelled or resized.

    It carries no counts on purpose: concurrent bookings each record one, and a count read
    before the atomic update could be stale. Whoever reacts reads the event's current state.
    """

    name = "availability.changed"
    live_event_id: UUID
    host_id: UUID


EVENTS: tuple[type[DomainEvent], ...] = (
    EventPublished,
    EventChanged,
    EventCancelled,
    BookingConfirmed,
    BookingCancelled,
    BookingExpired,
    WaitlistOffered,
    AvailabilityChanged,
)
