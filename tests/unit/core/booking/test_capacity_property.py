"""Capacity as a property: no sequence of bookings and cancellations ever oversells an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.memory import MemoryStore, MemoryUnitOfWork, SteppingClock
from core.booking.commands import BookSeats, CancelBooking, PublishEvent
from core.booking.model import (
    Booking,
    BookingId,
    BookingStatus,
    EventDetails,
    EventId,
    TicketStatus,
)
from core.booking.services import book_seats, cancel_booking, publish_event
from core.identity.model import AccountId
from core.shared.errors import Conflict
from core.shared.ids import uuid7

GUESTS = 4
steps = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(0, GUESTS - 1), st.integers(1, 20)),
        st.tuples(st.just("cancel"), st.integers(0, 30), st.just(0)),
    ),
    max_size=25,
)


async def check_invariants(store: MemoryStore, event_id: EventId, capacity: int) -> None:
    uow = MemoryUnitOfWork(store)
    async with uow:
        event = await uow.events.get(event_id)
    bookings: list[Booking] = [
        b for b in store.table("bookings").values() if b.event_id == event_id
    ]
    confirmed = [b for b in bookings if b.status is BookingStatus.CONFIRMED]
    assert 0 <= event.booked <= capacity
    assert event.booked == sum(b.seats for b in confirmed)
    valid = [
        t
        for t in store.table("tickets").values()
        if t.event_id == event_id and t.status is TicketStatus.VALID
    ]
    assert len(valid) == event.booked
    issued = [t.booking_id for t in store.table("tickets").values()]
    assert all(issued.count(b.id) == b.seats for b in bookings)


async def book(
    store: MemoryStore, clock: SteppingClock, event_id: EventId, guest: AccountId, seats: int
) -> Booking:
    booking, _ = await book_seats(
        BookSeats(event_id, guest, seats), uow=MemoryUnitOfWork(store), clock=clock
    )
    return booking


async def cancel(store: MemoryStore, clock: SteppingClock, booking: Booking) -> None:
    await cancel_booking(
        CancelBooking(booking.id, booking.guest_id), uow=MemoryUnitOfWork(store), clock=clock
    )


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(1, 40), steps=steps)
async def test_no_sequence_of_book_and_cancel_exceeds_capacity(
    capacity: int, steps: list[tuple[str, int, int]]
) -> None:
    store, clock = MemoryStore(), SteppingClock()
    now = clock.current
    host = AccountId(uuid7(now))
    guests = [AccountId(uuid7(now + timedelta(seconds=i + 1))) for i in range(GUESTS)]
    details = EventDetails(
        "Gig", "", now + timedelta(days=1), now + timedelta(days=1, hours=2), "Riga", ""
    )
    event = await publish_event(
        PublishEvent(host, details, capacity), uow=MemoryUnitOfWork(store), clock=clock
    )
    made: list[Booking] = []
    cancelled: set[BookingId] = set()
    seats_left = capacity
    for action, who, seats in steps:
        if action == "book" and seats > seats_left:
            with pytest.raises(Conflict, match=f"only {seats_left} seats? left"):
                await book(store, clock, event.id, guests[who], seats)
        elif action == "book":
            made.append(await book(store, clock, event.id, guests[who], seats))
            seats_left -= seats
        elif made:
            target = made[who % len(made)]
            if target.id in cancelled:
                with pytest.raises(Conflict, match="already cancelled"):
                    await cancel(store, clock, target)
            else:
                await cancel(store, clock, target)
                cancelled.add(target.id)
                seats_left += target.seats
        await check_invariants(store, event.id, capacity)
    uow = MemoryUnitOfWork(store)
    async with uow:
        assert (await uow.events.get(event.id)).seats_left == seats_left
