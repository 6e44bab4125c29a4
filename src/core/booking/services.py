"""Booking use cases: publish, find, edit, cancel events; book and cancel seats."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from core.booking.commands import (
    BookSeats,
    CancelBooking,
    CancelEvent,
    CreateInvitation,
    EditEvent,
    MarkHeld,
    PublishEvent,
)
from core.booking.model import Event, EventFilter, EventId, GuestListEntry, Invitation
from core.booking.paid import hand_over, payment_for, reserve_refund
from core.booking.ports import BookingUnitOfWork
from core.booking.reviews import Rating, ReviewTarget
from core.booking.seating import Venue, parse_venue
from core.booking.tickets import Booking, BookingId, BookingStatus
from core.booking.visibility import ensure_visible, hash_invite
from core.booking.waitlist import close_waitlist, offer_freed_seats
from core.identity.model import AccountId
from core.payments.services import PaymentTerms, Providers
from core.shared.clock import Clock
from core.shared.errors import Conflict, NotFound
from core.shared.idempotency import IdempotencyRecord, fingerprint, replayed, validate_key
from core.shared.ids import uuid7
from core.shared.paging import Page, PageRequest


async def publish_event(cmd: PublishEvent, *, uow: BookingUnitOfWork, clock: Clock) -> Event:
    """Publish an event; at a venue it has one seat per place on the venue's seat map."""
    async with uow:
        venue = None if cmd.venue_id is None else await uow.venues.get(cmd.venue_id)
        event = Event.publish(
            cmd.host_id, cmd.details, cmd.capacity, cmd.visibility, cmd.price, clock.now(), venue
        )
        await uow.events.add(event)
        await uow.commit()
    return event


async def get_event(
    event_id: EventId,
    *,
    viewer: AccountId | None,
    invite_token: str | None,
    uow: BookingUnitOfWork,
) -> Event:
    async with uow:
        event = await uow.events.get(event_id)
        await ensure_visible(event, viewer, invite_token, uow)
    return event


async def find_events(
    query: EventFilter, page: PageRequest, *, uow: BookingUnitOfWork, clock: Clock
) -> Page[Event]:
    """Upcoming public events; without a start bound, from now on."""
    if query.starts_from is None:
        query = attrs.evolve(query, starts_from=clock.now())
    async with uow:
        return await uow.events.search(query, page)


async def edit_event(cmd: EditEvent, *, uow: BookingUnitOfWork, clock: Clock) -> Event:
    async with uow:
        event = await uow.events.get_for_update(cmd.event_id)
        await ensure_visible(event, cmd.actor_id, cmd.invite_token, uow)
        starts_at, capacity, now = event.starts_at, event.capacity, clock.now()
        event.edit(cmd.actor_id, cmd.changes, now)
        await uow.events.save(event)
        if event.starts_at != starts_at:
            await uow.reminders.move(event.id, event.starts_at, now)
        if event.capacity > capacity:
            await offer_freed_seats(event, uow, now)
        await uow.commit()
    return event


async def cancel_event(cmd: CancelEvent, *, uow: BookingUnitOfWork, clock: Clock) -> Event:
    """Call an event off: every confirmed booking is cancelled and its guest told."""
    now = clock.now()
    async with uow:
        event = await uow.events.get_for_update(cmd.event_id)
        await ensure_visible(event, cmd.actor_id, cmd.invite_token, uow)
        event.ensure_cancellable_by(cmd.actor_id, now)
        guests = await uow.bookings.cancel_all_for_event(event.id, now)
        event.cancel(cmd.actor_id, cmd.reason, tuple(guests), now)
        await uow.events.save(event)
        await uow.reminders.drop_event(event.id)
        await uow.seats.release_event(event.id)
        await close_waitlist(event.id, uow)
        await uow.commit()
    return event


async def create_invitation(
    cmd: CreateInvitation, *, uow: BookingUnitOfWork, clock: Clock
) -> tuple[Invitation, str]:
    """A new invitation token for the host to share; only its hash is stored."""
    now = clock.now()
    token = secrets.token_urlsafe(18)
    async with uow:
        event = await uow.events.get(cmd.event_id)
        await ensure_visible(event, cmd.actor_id, None, uow)
        event.ensure_manageable_by(cmd.actor_id)
        invitation = Invitation(
            id=uuid7(now), event_id=event.id, token_hash=hash_invite(token), created_at=now
        )
        await uow.invitations.add(invitation)
        await uow.commit()
    return invitation, token


async def book_seats(
    cmd: BookSeats,
    *,
    uow: BookingUnitOfWork,
    clock: Clock,
    terms: PaymentTerms = PaymentTerms(),
) -> tuple[Booking, bool]:
    """Book seats; returns the booking and whether it is a replay of an earlier request.

    The rules are checked on the event as read; then the seats are taken by one atomic
    conditional update as the commit itself (`commit_taking_seats`), so that concurrent
    bookings hold the event's row for as short a time as possible and can never oversell.
    If the seats went meanwhile, the event is read again and the rules say why. A repeated
    Idempotency-Key returns the booking the first request made, also when both arrive at once.

    A paid event's booking holds its seats for `terms.hold` and comes with a Payment (made in
    the same transaction); `core.payments.services.open_checkout` then sends the guest to
    the provider's page, and the booking is confirmed when the payment succeeds.
    """
    key = validate_key(cmd.idempotency_key) if cmd.idempotency_key is not None else None
    scope = f"booking.book:{cmd.guest_id}"
    asked_for: dict[str, object] = {"event_id": str(cmd.event_id), "seats": cmd.seats}
    if cmd.seat_ids:  # absent otherwise: keys used before seat maps keep their fingerprint
        asked_for["seat_ids"] = sorted(map(str, cmd.seat_ids))
    asked = fingerprint(asked_for)
    now = clock.now()
    async with uow:
        event = await uow.events.get(cmd.event_id)
        await ensure_visible(event, cmd.guest_id, cmd.invite_token, uow)
        if key is not None:
            earlier = replayed(await uow.idempotency.get(scope, key), asked)
            if earlier is not None:
                return await uow.bookings.get(BookingId(earlier)), True
        booking = await book_places(event, cmd.guest_id, cmd.seats, now, uow, terms, cmd.seat_ids)
        if key is not None:
            record = IdempotencyRecord(scope, key, asked, booking.id, now)
            earlier = replayed(await uow.idempotency.claim(record), asked)
            if earlier is not None:  # a twin request with this key got there first
                return await uow.bookings.get(BookingId(earlier)), True
        await store_booking(booking, event, uow, terms, now)
        if not await uow.commit_taking_seats(event.id, cmd.seats, now):
            fresh = await uow.events.get(event.id)
            fresh.book(cmd.guest_id, cmd.seats, now)  # raises the rule that now refuses it
            raise Conflict("the seats were taken a moment ago; try again")
    return booking, False


async def store_booking(
    booking: Booking, event: Event, uow: BookingUnitOfWork, terms: PaymentTerms, now: datetime
) -> None:
    """Write a new booking: its payment when it has a price, the booking, its seats held."""
    if booking.amount is not None:
        await uow.payments.add(payment_for(booking, event, terms, now))
    await uow.bookings.add(booking)
    if booking.seat_ids:
        await uow.seats.hold(event.id, booking.id, booking.seat_ids)


async def book_places(
    event: Event,
    guest: AccountId,
    seats: int,
    now: datetime,
    uow: BookingUnitOfWork,
    terms: PaymentTerms,
    wanted: tuple[UUID, ...] = (),
) -> Booking:
    """The event's model books; at a venue it is shown the seat map and the seats taken."""
    if event.venue_id is None:
        return event.book(guest, seats, now, hold=terms.hold, wanted=wanted)
    venue = await uow.venues.get(event.venue_id)
    taken = await uow.seats.taken(event.id)
    return event.book(guest, seats, now, hold=terms.hold, venue=venue, wanted=wanted, taken=taken)


async def cancel_booking(
    cmd: CancelBooking,
    *,
    uow: BookingUnitOfWork,
    clock: Clock,
    providers: Providers | None = None,
) -> Booking:
    """Give the seats back before the start; a paid booking's money is refunded in full.

    The refund is recorded with the cancellation and handed to the provider after the
    commit; if the provider is out of reach, a periodic job hands it over later.
    """
    now = clock.now()
    async with uow:
        booking = await uow.bookings.get(cmd.booking_id)
        booking.ensure_owned_by(cmd.actor_id)
        event = await uow.events.get_for_update(booking.event_id)
        booking = await uow.bookings.get(cmd.booking_id)  # re-read under the event's lock
        booking.cancel(cmd.actor_id, event, now)
        refund = await reserve_refund(booking, "booking cancelled by the guest", uow, now)
        await uow.bookings.save(booking)
        await uow.reminders.drop(booking.id)
        await uow.seats.release(booking.id)
        await uow.events.save(event)
        await offer_freed_seats(event, uow, now)
        await uow.commit()
    if refund is not None and providers is not None:
        await hand_over(refund, uow=uow, providers=providers)
    return booking


async def refund_booking(
    cmd: CancelBooking, *, uow: BookingUnitOfWork, clock: Clock, providers: Providers
) -> Booking:
    """Give a paid, confirmed booking back before the start: the seats return and the money
    goes back in full. A free or unpaid booking has nothing to refund: cancel it instead."""
    async with uow:
        booking = await uow.bookings.get(cmd.booking_id)
        booking.ensure_owned_by(cmd.actor_id)
    if booking.payment_id is None:
        raise Conflict("this booking was free, so there is nothing to refund; cancel it instead")
    if booking.status is not BookingStatus.CONFIRMED:
        raise Conflict(
            f"only a paid, confirmed booking can be refunded; this one is {booking.status.value}"
        )
    return await cancel_booking(cmd, uow=uow, clock=clock, providers=providers)


async def my_bookings(
    guest_id: AccountId, page: PageRequest, *, uow: BookingUnitOfWork
) -> Page[Booking]:
    async with uow:
        return await uow.bookings.list_for_guest(guest_id, page)


async def my_bookings_with_events(
    guest_id: AccountId, page: PageRequest, *, uow: BookingUnitOfWork
) -> tuple[Page[Booking], dict[EventId, Event]]:
    """The guest's bookings and, read in the same transaction, the events they are for."""
    async with uow:
        found = await uow.bookings.list_for_guest(guest_id, page)
        events = {
            event_id: await uow.events.get(event_id)
            for event_id in dict.fromkeys(booking.event_id for booking in found.items)
        }
    return found, events


async def guest_list(
    event_id: EventId, *, actor_id: AccountId, uow: BookingUnitOfWork
) -> list[GuestListEntry]:
    """The host's view of who is coming, with each guest's rating from hosts' reviews."""
    async with uow:
        event = await uow.events.get(event_id)
        await ensure_visible(event, actor_id, None, uow)
        event.ensure_manageable_by(actor_id)
        entries = await uow.guests.entries(event.id)
        ratings = await uow.reviews.ratings(ReviewTarget.GUEST, [e.account_id for e in entries])
    return [
        attrs.evolve(e, rating=ratings[e.account_id].average, reviews=ratings[e.account_id].count)
        for e in entries
    ]


async def mark_held(cmd: MarkHeld, *, uow: BookingUnitOfWork, clock: Clock) -> Event:
    """The host says the event took place: it shows as held and reviews open."""
    async with uow:
        event = await uow.events.get_for_update(cmd.event_id)
        await ensure_visible(event, cmd.actor_id, None, uow)
        event.mark_held(cmd.actor_id, clock.now())
        await uow.events.save(event)
        await uow.commit()
    return event


async def hosted_events(
    host_id: AccountId,
    page: PageRequest,
    *,
    past: bool,
    viewer: AccountId | None,
    uow: BookingUnitOfWork,
    clock: Clock,
) -> tuple[Page[Event], dict[EventId, Rating]]:
    """A host's events, upcoming or past, with each event's rating from reviews; others than
    the host see only the public ones."""
    async with uow:
        found = await uow.events.hosted_by(
            host_id, past=past, now=clock.now(), page=page, public_only=viewer != host_id
        )
        ratings = await uow.reviews.ratings(ReviewTarget.EVENT, [e.id for e in found.items])
    return found, {EventId(k): v for k, v in ratings.items()}


async def add_venue(
    owner_id: AccountId, raw: Any, *, uow: BookingUnitOfWork, clock: Clock
) -> Venue:
    """Import a venue's seat map from its JSON description (see core.booking.seating)."""
    venue = parse_venue(owner_id, raw, clock.now())
    async with uow:
        await uow.venues.add(venue)
        await uow.commit()
    return venue


async def get_venue(venue_id: UUID, *, uow: BookingUnitOfWork) -> Venue:
    async with uow:
        return await uow.venues.get(venue_id)


async def event_with_seats(
    event_id: EventId, *, viewer: AccountId | None, invite_token: str | None, uow: BookingUnitOfWork
) -> tuple[Event, Venue | None, frozenset[UUID]]:
    """An event as `viewer` may see it, with its venue's map and the seats taken, read
    together (no map and no seats for general admission)."""
    async with uow:
        event = await uow.events.get(event_id)
        await ensure_visible(event, viewer, invite_token, uow)
        if event.venue_id is None:
            return event, None, frozenset()
        return event, await uow.venues.get(event.venue_id), await uow.seats.taken(event.id)


async def seat_plan(
    event_id: EventId, *, viewer: AccountId | None, invite_token: str | None, uow: BookingUnitOfWork
) -> tuple[Venue, frozenset[UUID]]:
    """A seated event's venue map and the seats taken, read together."""
    _, venue, taken = await event_with_seats(
        event_id, viewer=viewer, invite_token=invite_token, uow=uow
    )
    if venue is None:
        raise NotFound("this event has no seat map")
    return venue, taken
