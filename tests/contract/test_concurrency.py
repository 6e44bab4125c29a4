"""Scarce seats under concurrent writers: the capacity holds whatever the backend."""

from __future__ import annotations

import asyncio

from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.booking.commands import BookSeats
from core.booking.services import book_seats
from core.shared.errors import Conflict

CAPACITY = 7
GUESTS = 30


async def test_concurrent_bookings_never_exceed_capacity(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    guests = [await make.account() for _ in range(GUESTS)]
    event = await make.event(host, capacity=CAPACITY)

    results = await asyncio.gather(
        *(
            book_seats(BookSeats(event.id, guest.id, 1), uow=new_uow(), clock=clock)
            for guest in guests
        ),
        return_exceptions=True,
    )

    booked = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Conflict)]
    other_errors = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)
    ]
    assert other_errors == []
    assert len(booked) == CAPACITY
    assert len(refused) == GUESTS - CAPACITY
    async with new_uow() as uow:
        stored = await uow.events.get(event.id)
        on_the_list = await uow.guests.guest_ids(event.id)
    assert stored.booked == CAPACITY
    assert sorted(on_the_list) == sorted(booking.guest_id for booking, _ in booked)
