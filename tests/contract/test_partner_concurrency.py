"""Seats shared with partners under concurrent writers: never sold twice, on every backend
(the PostgreSQL run is the one that proves it: real transactions racing on one row)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.contract.support import Make, NewUow

from adapters.memory import FixedClock, SteppingClock
from core.booking.commands import BookSeats
from core.booking.services import book_seats
from core.partners import services
from core.partners.commands import PlaceHold
from core.partners.model import HoldStatus, PartnerHold
from core.shared.errors import Conflict

CAPACITY = 30
ALREADY_SOLD = 20
BUYERS = 50
PARTNER_HOLDS = 10


async def test_a_partner_and_fifty_buyers_never_get_more_than_the_last_ten_seats(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser, capacity=CAPACITY)
    await make.booking(event, await make.account(), ALREADY_SOLD)
    key = await make.partner_key(organiser)
    buyers = [await make.account() for _ in range(BUYERS)]

    bookings = [
        book_seats(BookSeats(event.id, buyer.id, 1), uow=new_uow(), clock=clock) for buyer in buyers
    ]
    holds = [
        services.place_hold(
            PlaceHold(key.id, event.id, 1, f"order-{n}"), uow=new_uow(), clock=clock
        )
        for n in range(PARTNER_HOLDS)
    ]
    mixed = [c for pair in zip(bookings, holds, strict=False) for c in pair] + bookings[
        len(holds) :
    ]
    results = await asyncio.gather(*mixed, return_exceptions=True)

    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)
    ]
    assert unexpected == []
    won = [r for r in results if not isinstance(r, BaseException)]
    held = [r[0] for r in won if isinstance(r[0], PartnerHold)]
    assert len(won) == CAPACITY - ALREADY_SOLD
    async with new_uow() as uow:
        stored = await uow.events.get(event.id)
        guests = await uow.guests.entries(event.id)
    assert stored.booked == CAPACITY
    assert sum(g.seats for g in guests) + sum(h.seats for h in held) == CAPACITY


async def test_twin_holds_with_one_reference_take_the_seats_once(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser, capacity=10)
    key = await make.partner_key(organiser)
    twins = await asyncio.gather(
        *(
            services.place_hold(PlaceHold(key.id, event.id, 3, "same"), uow=new_uow(), clock=clock)
            for _ in range(6)
        )
    )
    assert len({hold.id for hold, _ in twins}) == 1
    assert sorted(replayed for _, replayed in twins) == [False] + [True] * 5
    async with new_uow() as uow:
        assert (await uow.events.get(event.id)).booked == 3


async def test_confirm_release_and_expiry_racing_on_one_hold_settle_it_once(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser, capacity=10)
    key = await make.partner_key(organiser)
    holds = []
    for n in range(8):
        hold, _ = await services.place_hold(
            PlaceHold(key.id, event.id, 1, f"r-{n}", timedelta(minutes=1)),
            uow=new_uow(),
            clock=clock,
        )
        holds.append(hold)
    at_the_end = FixedClock(holds[-1].expires_at - timedelta(microseconds=1))

    calls = []
    for hold in holds:
        calls += [
            services.confirm_hold(key.id, hold.id, uow=new_uow(), clock=at_the_end),
            services.release_hold(key.id, hold.id, uow=new_uow(), clock=at_the_end),
            services.confirm_hold(key.id, hold.id, uow=new_uow(), clock=at_the_end),
        ]
    calls.append(services.expire_holds(uow=new_uow(), clock=FixedClock(holds[-1].expires_at)))
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)
    ] == []

    async with new_uow() as uow:
        final = [await uow.partner_holds.get(h.id) for h in holds]
        booked = (await uow.events.get(event.id)).booked
    assert all(h.status is not HoldStatus.HELD for h in final)  # each settled one way
    assert booked == sum(h.status is HoldStatus.CONFIRMED for h in final)
