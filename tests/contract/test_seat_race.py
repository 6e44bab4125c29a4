"""Seats under concurrent buyers, alike on memory, SQLite and PostgreSQL: 200 buyers race
for 100 seats, two for each; every seat is sold exactly once and nothing is oversold."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.booking.commands import BookSeats, PublishEvent
from core.booking.seating import Venue, parse_venue
from core.booking.services import book_seats, publish_event
from core.booking.tickets import Booking
from core.shared.errors import Conflict

SEATS = 100
BUYERS = 200


def hall(rows: int = 10, per_row: int = 10) -> dict[str, Any]:
    lines = [{"label": str(r + 1), "seats": per_row, "category": "S"} for r in range(rows)]
    return {
        "name": "Main hall",
        "categories": [{"code": "S", "name": "Stalls"}],
        "sections": [{"name": "Stalls", "rows": lines}],
    }


async def a_venue(new_uow: NewUow, make: Make) -> tuple[Any, Venue]:
    host = await make.account()
    venue = parse_venue(host.id, hall(), make.clock.now())
    async with new_uow() as uow:
        await uow.venues.add(venue)
        await uow.commit()
    return host, venue


async def test_a_venue_is_stored_and_read_back_whole(new_uow: NewUow, make: Make) -> None:
    _, venue = await a_venue(new_uow, make)
    async with new_uow() as uow:
        again = await uow.venues.get(venue.id)
    assert again == venue


async def test_two_hundred_buyers_for_one_hundred_seats(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, venue = await a_venue(new_uow, make)
    event = await publish_event(
        PublishEvent(host.id, make.details(), 1, venue_id=venue.id), uow=new_uow(), clock=clock
    )
    buyers = [await make.account() for _ in range(BUYERS)]
    wanted = [venue.seats[(n * 37) % SEATS].id for n in range(BUYERS)]  # two buyers per seat

    results = await asyncio.gather(
        *(
            book_seats(BookSeats(event.id, b.id, 1, seat_ids=(seat,)), uow=new_uow(), clock=clock)
            for b, seat in zip(buyers, wanted, strict=True)
        ),
        return_exceptions=True,
    )

    sold: list[Booking] = [r[0] for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)
    ] == []
    assert (len(sold), len(refused)) == (SEATS, BUYERS - SEATS)
    assert Counter(seat for b in sold for seat in b.seat_ids) == Counter(
        {s.id: 1 for s in venue.seats}
    )
    async with new_uow() as uow:
        stored = await uow.events.get(event.id)
        taken = await uow.seats.taken(event.id)
        tickets = [t.seat_id for b in sold for t in (await uow.bookings.get(b.id)).tickets]
    assert stored.booked == SEATS
    assert taken == {s.id for s in venue.seats}
    assert sorted(map(str, tickets)) == sorted(str(s.id) for s in venue.seats)


async def test_the_database_refuses_a_second_live_hold_of_a_seat(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    """Below the core's own check: the store itself never holds one seat twice."""
    host, venue = await a_venue(new_uow, make)
    event = await publish_event(
        PublishEvent(host.id, make.details(), 1, venue_id=venue.id), uow=new_uow(), clock=clock
    )
    ann, bob = await make.account(), await make.account()
    seat = venue.seats[0].id
    first, _ = await book_seats(
        BookSeats(event.id, ann.id, 1, seat_ids=(seat,)), uow=new_uow(), clock=clock
    )
    other, _ = await book_seats(BookSeats(event.id, bob.id, 1), uow=new_uow(), clock=clock)

    async def hold_again() -> None:
        async with new_uow() as uow:
            await uow.seats.hold(event.id, other.id, [seat])
            await uow.commit()  # PostgreSQL sends the deferred insert here

    with pytest.raises(Conflict, match="just taken"):
        await hold_again()
    async with new_uow() as uow:
        await uow.seats.release(first.id)
        await uow.seats.hold(event.id, other.id, [seat])
        await uow.commit()
    async with new_uow() as uow:
        assert seat in await uow.seats.taken(event.id)
