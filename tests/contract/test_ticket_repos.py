"""Tickets: round trips with their history, lookups by barcode, holders' lists, sealed storage."""

from __future__ import annotations

import asyncio

import pytest
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.shared.errors import Conflict, NotFound
from core.shared.paging import PageRequest
from core.tickets import services as tickets
from core.tickets.model import DoorOutcome, Ticket, TicketId, TicketStatus
from core.tickets.services import ScanAtDoor
from entrypoints.container import Database


async def _booked(make: Make, seats: int = 2):
    host, guest = await make.account(), await make.account()
    event = await make.event(host)
    return host, guest, event, await make.booking(event, guest, seats)


async def test_a_ticket_and_its_successor_round_trip_with_their_history(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, _guest, _, booking = await _booked(make)
    async with new_uow() as uow:
        old = await uow.tickets.get_for_update(booking.tickets[0].id)
        old.admitted_at = None
        new = old.reissue_to(host.id, clock.now())
        await uow.tickets.save(old)
        await uow.tickets.add(new)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.tickets.get(old.id) == old
        assert await uow.tickets.get(new.id) == new
        stored = await uow.bookings.get(booking.id)
    assert stored.tickets[0].status is TicketStatus.REVOKED
    assert stored.tickets[0].replaced_by == new.id
    assert [t.id for t in stored.tickets] == [t.id for t in booking.tickets]


async def test_a_ticket_is_found_by_its_barcode_and_by_nothing_else(
    new_uow: NewUow, make: Make
) -> None:
    _, _, _, booking = await _booked(make)
    wanted = booking.tickets[1]
    async with new_uow() as uow:
        assert await uow.tickets.find_by_barcode(wanted.barcode) == wanted
        assert await uow.tickets.find_by_barcode(wanted.barcode.lower()) is None
        assert await uow.tickets.find_by_barcode("") is None
        with pytest.raises(NotFound, match="ticket not found"):
            await uow.tickets.get(TicketId(booking.id))


async def test_a_barcode_already_issued_is_a_conflict(new_uow: NewUow, make: Make) -> None:
    host, _, _, booking = await _booked(make)
    copy = Ticket.issue(booking.id, booking.event_id, host.id, make.clock.now())
    copy.barcode = booking.tickets[0].barcode
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="barcode already exists"):
            await uow.tickets.add(copy)
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.tickets.get(copy.id)


async def test_a_holder_lists_their_tickets_newest_first_page_by_page(
    new_uow: NewUow, make: Make
) -> None:
    _, guest, event, first = await _booked(make, 2)
    second = await make.booking(event, guest, 3)
    everyone = sorted((t.id for t in [*first.tickets, *second.tickets]), reverse=True)
    seen, cursor = [], None
    for _ in range(5):
        async with new_uow() as uow:
            page = await uow.tickets.list_for_holder(guest.id, PageRequest(cursor, 2))
        seen += [t.id for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everyone


async def test_two_doors_scanning_one_barcode_at_once_admit_it_once(
    database: Database, make: Make, clock: SteppingClock
) -> None:
    host, _, event, booking = await _booked(make, 1)
    scan = ScanAtDoor(event.id, booking.tickets[0].barcode, host.id)
    outcomes = await asyncio.gather(
        *(tickets.check_at_door(scan, uow=database.new_uow(), clock=clock) for _ in range(6))
    )
    assert sorted(o.outcome for o in outcomes).count(DoorOutcome.ADMITTED) == 1
    assert {o.outcome for o in outcomes} == {DoorOutcome.ADMITTED, DoorOutcome.ALREADY_ADMITTED}
