"""`commit_taking_seats`, alike on memory, SQLite and PostgreSQL: the seats and everything the
unit of work wrote are committed together, or nothing is and the unit of work can still read.

On PostgreSQL the two paths differ underneath: with nothing sent yet, the writes and the
seats' update go as one statement that aborts itself; with a transaction already open (here:
after a locking read), they go in it and a refusal rolls it back. Both are run.
"""

from __future__ import annotations

import pytest
from tests.contract.support import Make, NewUow, claim_all, drain_outbox, peek

from adapters.memory import SteppingClock
from core.shared.errors import NotFound


@pytest.mark.parametrize("locked", [False, True], ids=["nothing-sent", "in-a-transaction"])
async def test_the_seats_are_committed_with_the_unit_of_work(
    new_uow: NewUow, make: Make, clock: SteppingClock, locked: bool
) -> None:
    host, guest = await make.account(), await make.account()
    event = await make.event(host, capacity=3)
    await drain_outbox(new_uow, clock.now())
    booking = event.book(guest.id, 2, clock.now())
    recorded = {e.event_id for e in peek(booking)}
    assert recorded
    async with new_uow() as uow:
        if locked:
            await uow.events.get_for_update(event.id)
        await uow.bookings.add(booking)
        assert await uow.commit_taking_seats(event.id, 2, clock.now())
    async with new_uow() as uow:
        assert (await uow.events.get(event.id)).booked == 2
        assert len((await uow.bookings.get(booking.id)).tickets) == 2
    assert {m.id for m in await claim_all(new_uow)} == recorded


@pytest.mark.parametrize("locked", [False, True], ids=["nothing-sent", "in-a-transaction"])
async def test_when_the_seats_are_gone_nothing_is_committed(
    new_uow: NewUow, make: Make, clock: SteppingClock, locked: bool
) -> None:
    host, ann, bob = await make.account(), await make.account(), await make.account()
    event = await make.event(host, capacity=1)
    other = await make.event(host, capacity=1)  # to be sure no other event is touched
    late = event.book(bob.id, 1, clock.now())  # the event as read before Ann took the seat
    await make.booking(event, ann)
    await drain_outbox(new_uow, clock.now())
    async with new_uow() as uow:
        if locked:
            await uow.events.get_for_update(event.id)
        await uow.bookings.add(late)
        assert not await uow.commit_taking_seats(event.id, 1, clock.now())
        assert (await uow.events.get(event.id)).booked == 1  # it can still read
        with pytest.raises(RuntimeError, match="refused"):
            await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.bookings.get(late.id)
        assert (await uow.events.get(event.id)).booked == 1
        assert (await uow.events.get(other.id)).booked == 0
    assert await claim_all(new_uow) == []


async def test_a_refusal_does_not_lose_the_next_unit_of_work(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    """The connection a refused unit of work used is clean for the next one."""
    host, ann, bob = await make.account(), await make.account(), await make.account()
    event = await make.event(host, capacity=1)
    late = event.book(bob.id, 1, clock.now())
    await make.booking(event, ann)
    for _ in range(3):
        async with new_uow() as uow:
            await uow.bookings.add(late)
            assert not await uow.commit_taking_seats(event.id, 1, clock.now())
    other = await make.event(host, capacity=1)
    made = await make.booking(other, bob)
    async with new_uow() as uow:
        assert (await uow.bookings.get(made.id)).seats == 1
        assert (await uow.events.get(other.id)).booked == 1
