"""Booking commands."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.booking.model import EventChanges, EventDetails, EventId, Visibility
from core.booking.reviews import ReviewTarget
from core.booking.tickets import BookingId
from core.identity.model import AccountId
from core.shared.money import Money


@attrs.frozen
class PublishEvent:
    host_id: AccountId
    details: EventDetails
    capacity: int
    visibility: Visibility = Visibility.PUBLIC
    price: Money | None = None
    venue_id: UUID | None = None


@attrs.frozen
class EditEvent:
    event_id: EventId
    actor_id: AccountId
    changes: EventChanges
    invite_token: str | None = None


@attrs.frozen
class CancelEvent:
    event_id: EventId
    actor_id: AccountId
    reason: str = ""
    invite_token: str | None = None


@attrs.frozen
class CreateInvitation:
    event_id: EventId
    actor_id: AccountId


@attrs.frozen
class BookSeats:
    event_id: EventId
    guest_id: AccountId
    seats: int
    invite_token: str | None = None
    idempotency_key: str | None = None
    seat_ids: tuple[UUID, ...] = ()  # at a seated event; left out, the best free seats


@attrs.frozen
class CancelBooking:
    booking_id: BookingId
    actor_id: AccountId


@attrs.frozen
class MarkHeld:
    event_id: EventId
    actor_id: AccountId


@attrs.frozen
class WriteReview:
    event_id: EventId
    author_id: AccountId
    target: ReviewTarget
    rating: int
    text: str = ""
    subject_id: UUID | None = None  # the guest, when the host reviews one


@attrs.frozen
class EditReview:
    review_id: UUID
    author_id: AccountId
    rating: int
    text: str = ""


@attrs.frozen
class JoinWaitlist:
    event_id: EventId
    guest_id: AccountId
    seats: int
    invite_token: str | None = None


@attrs.frozen
class WaitlistAction:
    """Accept the offer on, or leave, one's waiting list entry."""

    entry_id: UUID
    actor_id: AccountId
