"""The waiting list repository and its flows, alike on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.booking.commands import CancelBooking, JoinWaitlist, WaitlistAction
from core.booking.services import cancel_booking
from core.booking.waiting import accept_offer, join_waitlist, lapse_offers
from core.booking.waitlist import OFFER_TTL, EntryStatus
from core.shared.errors import Conflict


async def test_an_entry_is_stored_offered_and_listed(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, holder, ann = await make.account(), await make.account(), await make.account()
    event = await make.event(host, capacity=1)
    booking = await make.booking(event, holder)
    entry = await join_waitlist(JoinWaitlist(event.id, ann.id, 1), uow=new_uow(), clock=clock)
    with pytest.raises(Conflict, match="already on this event's waiting list"):
        await join_waitlist(JoinWaitlist(event.id, ann.id, 1), uow=new_uow(), clock=clock)
    async with new_uow() as uow:
        assert [e.id for e in await uow.waitlist.active(event.id)] == [entry.id]
        assert [e.id for e in await uow.waitlist.of_guest(ann.id)] == [entry.id]
    await cancel_booking(CancelBooking(booking.id, holder.id), uow=new_uow(), clock=clock)
    async with new_uow() as uow:
        offered = await uow.waitlist.get(entry.id)
        stored = await uow.events.get(event.id)
    assert offered.status is EntryStatus.OFFERED
    assert offered.offer_expires_at is not None
    assert stored.booked == 1
    made = await accept_offer(WaitlistAction(entry.id, ann.id), uow=new_uow(), clock=clock)
    async with new_uow() as uow:
        done = await uow.waitlist.get(entry.id)
        assert await uow.waitlist.of_guest(ann.id) == []
        assert (await uow.events.get(event.id)).booked == 1
    assert (done.status, done.booking_id) == (EntryStatus.BOOKED, made.id)


async def test_lapsed_offers_are_found_by_their_expiry_and_passed_on(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, holder = await make.account(), await make.account()
    ann, bob = await make.account(), await make.account()
    event = await make.event(host, capacity=1)
    booking = await make.booking(event, holder)
    first = await join_waitlist(JoinWaitlist(event.id, ann.id, 1), uow=new_uow(), clock=clock)
    second = await join_waitlist(JoinWaitlist(event.id, bob.id, 1), uow=new_uow(), clock=clock)
    await cancel_booking(CancelBooking(booking.id, holder.id), uow=new_uow(), clock=clock)
    async with new_uow() as uow:
        offered = await uow.waitlist.get(first.id)
        assert offered.offer_expires_at is not None
        before = await uow.waitlist.lapsed_offers(
            offered.offer_expires_at - timedelta(seconds=1), 10
        )
        at = await uow.waitlist.lapsed_offers(offered.offer_expires_at, 10)
    assert first.id not in [e.id for e in before]
    assert first.id in [e.id for e in at]
    clock.advance(OFFER_TTL)
    assert await lapse_offers(uow=new_uow(), clock=clock) >= 1
    async with new_uow() as uow:
        assert (await uow.waitlist.get(first.id)).status is EntryStatus.LAPSED
        assert (await uow.waitlist.get(second.id)).status is EntryStatus.OFFERED
        assert (await uow.events.get(event.id)).booked == 1


async def test_racing_for_freed_seats_never_oversells(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    """Cancellations and accepted offers at once: the event never holds more than capacity."""
    host = await make.account()
    event = await make.event(host, capacity=4)
    holders = [await make.account() for _ in range(4)]
    bookings = [await make.booking(event, h) for h in holders]
    waiting = [await make.account() for _ in range(6)]
    entries = [
        await join_waitlist(JoinWaitlist(event.id, w.id, 1), uow=new_uow(), clock=clock)
        for w in waiting
    ]
    await asyncio.gather(
        *(
            cancel_booking(CancelBooking(b.id, h.id), uow=new_uow(), clock=clock)
            for b, h in zip(bookings, holders, strict=True)
        )
    )
    results = await asyncio.gather(
        *(
            accept_offer(WaitlistAction(e.id, w.id), uow=new_uow(), clock=clock)
            for e, w in zip(entries, waiting, strict=True)
        ),
        return_exceptions=True,
    )
    booked = [r for r in results if not isinstance(r, BaseException)]
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    assert len(booked) == 4
    async with new_uow() as uow:
        assert (await uow.events.get(event.id)).booked == 4
