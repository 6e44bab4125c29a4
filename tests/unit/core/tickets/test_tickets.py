"""Tickets: reissue on resale, the door check, a holder's tickets, the Stagedoor checker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from core.booking import services as booking
from core.booking.commands import CancelBooking
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.paging import PageRequest
from core.tickets import services as tickets
from core.tickets.authenticity import Authenticity, TicketClaim
from core.tickets.model import (
    BARCODE_ALPHABET,
    DoorOutcome,
    Ticket,
    TicketStatus,
    admit,
    new_barcode,
    normal_barcode,
)
from core.tickets.services import ScanAtDoor, checked_barcode, looks_like_ours
from core.tickets.stagedoor import CHECKER, StagedoorTickets


def _ticket() -> Ticket:
    return Ticket.issue(uuid4(), uuid4(), uuid4(), datetime(2030, 1, 1, tzinfo=UTC))


def test_a_new_barcode_is_sixteen_unambiguous_characters() -> None:
    codes = {new_barcode() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 16 and set(c) <= set(BARCODE_ALPHABET) for c in codes)
    assert not set("".join(codes)) & set("01OI")
    assert set("".join(codes)) == set(BARCODE_ALPHABET)
    # every position is random: 200 draws of 32 letters leave one below 20 about never
    assert all(len({c[n] for c in codes}) >= 20 for n in range(16))


def test_barcodes_are_normalised_as_typed() -> None:
    assert normal_barcode(" abcd-efgh\tjk ") == "ABCDEFGHJK"
    assert checked_barcode("ab-cd") == "ABCD"
    with pytest.raises(ValidationFailed) as empty:
        checked_barcode(" - ")
    assert empty.value.field == "barcode"
    with pytest.raises(ValidationFailed, match="at most 64"):
        checked_barcode("A" * 65)
    assert checked_barcode("A" * 64) == "A" * 64
    assert looks_like_ours(new_barcode())
    assert not looks_like_ours("A" * 15)
    assert not looks_like_ours("O" * 16)


def test_reissue_revokes_the_old_ticket_and_gives_a_new_barcode_to_the_buyer() -> None:
    old = _ticket()
    old.on_sale = True
    buyer = uuid4()
    later = old.issued_at + timedelta(days=1)
    new = old.reissue_to(buyer, later)
    assert old.status is TicketStatus.REVOKED
    assert old.revoked_at == later
    assert old.replaced_by == new.id
    assert new.replaces == old.id
    assert not old.on_sale
    assert not new.on_sale
    assert new.holder_id == buyer
    assert new.barcode != old.barcode
    assert (new.booking_id, new.event_id) == (old.booking_id, old.event_id)
    assert new.status is TicketStatus.VALID
    assert new.issued_at == later
    with pytest.raises(Conflict, match="revoked"):
        old.reissue_to(buyer, later)


def test_a_void_or_used_ticket_cannot_change_hands() -> None:
    void = _ticket()
    void.void()
    with pytest.raises(Conflict, match="void"):
        void.reissue_to(uuid4(), void.issued_at)
    used = _ticket()
    used.admitted_at = used.issued_at
    with pytest.raises(Conflict, match="used at the door"):
        used.reissue_to(uuid4(), used.issued_at)


def test_voiding_leaves_a_revoked_ticket_revoked_and_takes_it_off_sale() -> None:
    ticket = _ticket()
    ticket.reissue_to(uuid4(), ticket.issued_at)
    ticket.void()
    assert ticket.status is TicketStatus.REVOKED
    listed = _ticket()
    listed.on_sale = True
    listed.void()
    assert listed.status is TicketStatus.VOID
    assert not listed.on_sale


def test_the_door_admits_once_and_says_why_it_refuses() -> None:
    ticket = _ticket()
    at = ticket.issued_at + timedelta(days=2)
    first = admit(ticket, ticket.event_id, at)
    assert first.admitted
    assert first.admitted_at == at
    assert ticket.admitted_at == at
    again = admit(ticket, ticket.event_id, at + timedelta(minutes=5))
    assert again.outcome is DoorOutcome.ALREADY_ADMITTED
    assert again.admitted_at == at
    assert not again.admitted
    assert "already" in again.reason
    assert admit(None, ticket.event_id, at).outcome is DoorOutcome.UNKNOWN
    assert admit(_ticket(), ticket.event_id, at).outcome is DoorOutcome.OTHER_EVENT
    resold = _ticket()
    resold.reissue_to(uuid4(), at)
    revoked = admit(resold, resold.event_id, at)
    assert revoked.outcome is DoorOutcome.REVOKED
    assert "resold" in revoked.reason
    assert resold.admitted_at is None
    void = _ticket()
    void.void()
    assert admit(void, void.event_id, at).outcome is DoorOutcome.VOID


async def test_the_host_scans_at_the_door_and_a_second_scan_is_refused(
    new_uow: NewUow,
    clock: SteppingClock,
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    made = await book(event, guest, 2)
    code = made.tickets[0].barcode
    scan = ScanAtDoor(event.id, code.lower(), host.id)
    first = await tickets.check_at_door(scan, uow=new_uow(), clock=clock)
    assert first.admitted
    assert first.ticket_id == made.tickets[0].id
    second = await tickets.check_at_door(scan, uow=new_uow(), clock=clock)
    assert second.outcome is DoorOutcome.ALREADY_ADMITTED
    unknown = ScanAtDoor(event.id, "ZZZZZZZZZZZZZZZZ", host.id)
    assert (await tickets.check_at_door(unknown, uow=new_uow(), clock=clock)).outcome is (
        DoorOutcome.UNKNOWN
    )
    with pytest.raises(PermissionDenied):
        await tickets.check_at_door(
            ScanAtDoor(event.id, code, guest.id), uow=new_uow(), clock=clock
        )


async def test_holders_see_their_own_tickets_only(
    new_uow: NewUow,
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
) -> None:
    host, guest, other = [await register_account() for _ in range(3)]
    event = await publish(host)
    made = await book(event, guest, 3)
    first = await tickets.my_tickets(guest.id, PageRequest(limit=2), uow=new_uow())
    rest = await tickets.my_tickets(guest.id, PageRequest(first.next_cursor, 2), uow=new_uow())
    seen = [t.id for t in [*first.items, *rest.items]]
    assert seen == sorted((t.id for t in made.tickets), reverse=True)  # newest first
    assert len(first.items) == 2
    assert rest.next_cursor is None
    assert (await tickets.my_tickets(other.id, PageRequest(), uow=new_uow())).items == []
    held, events = await tickets.my_tickets_with_events(guest.id, PageRequest(), uow=new_uow())
    assert len(held.items) == 3
    assert list(events) == [event.id]
    assert events[event.id].details.title == event.details.title
    one = await tickets.ticket_for_holder(made.tickets[1].id, viewer=guest.id, uow=new_uow())
    assert one.barcode == made.tickets[1].barcode
    with pytest.raises(NotFound):
        await tickets.ticket_for_holder(made.tickets[1].id, viewer=other.id, uow=new_uow())
    shown, its_event = await tickets.ticket_with_event(
        made.tickets[1].id, viewer=guest.id, uow=new_uow()
    )
    assert (shown.id, its_event.id) == (made.tickets[1].id, event.id)
    with pytest.raises(NotFound):
        await tickets.ticket_with_event(made.tickets[1].id, viewer=other.id, uow=new_uow())


async def test_a_booking_with_a_listed_or_resold_ticket_cannot_be_cancelled(
    new_uow: NewUow,
    clock: SteppingClock,
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    made = await book(event, guest, 2)
    async with new_uow() as uow:
        ticket = await uow.tickets.get_for_update(made.tickets[1].id)
        ticket.on_sale = True
        await uow.tickets.save(ticket)
        await uow.commit()
    with pytest.raises(Conflict, match="withdraw the listing first"):
        await booking.cancel_booking(CancelBooking(made.id, guest.id), uow=new_uow(), clock=clock)
    async with new_uow() as uow:
        ticket = await uow.tickets.get_for_update(made.tickets[1].id)
        await uow.tickets.add(ticket.reissue_to(host.id, clock.now()))
        await uow.tickets.save(ticket)
        await uow.commit()
    with pytest.raises(Conflict, match="was resold"):
        await booking.cancel_booking(CancelBooking(made.id, guest.id), uow=new_uow(), clock=clock)
    async with new_uow() as uow:
        stored = await uow.bookings.get(made.id)
    assert [t.id for t in stored.tickets] == [t.id for t in made.tickets]  # not the successor


async def test_cancelling_a_booking_voids_its_tickets(
    new_uow: NewUow,
    clock: SteppingClock,
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
) -> None:
    host, guest = await register_account(), await register_account()
    made = await book(await publish(host), guest, 2)
    await booking.cancel_booking(CancelBooking(made.id, guest.id), uow=new_uow(), clock=clock)
    async with new_uow() as uow:
        found = [await uow.tickets.get(t.id) for t in made.tickets]
    assert {t.status for t in found} == {TicketStatus.VOID}


async def test_the_stagedoor_checker_confirms_only_the_sellers_valid_future_ticket(
    new_uow: NewUow,
    clock: SteppingClock,
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
) -> None:
    host, guest, other = [await register_account() for _ in range(3)]
    event = await publish(host)
    made = await book(event, guest, 2)
    checker = StagedoorTickets(new_uow)
    code = made.tickets[0].barcode

    async def verdict(barcode: str, seller, when=None):
        claim = TicketClaim("stagedoor", barcode, seller)
        return await checker.check(claim, when or clock.now())

    genuine = await verdict(code.lower(), guest.id)
    assert genuine.genuine
    assert genuine.checker == CHECKER
    assert (genuine.ticket_id, genuine.event_id) == (made.tickets[0].id, event.id)
    refusals = {
        "no Stagedoor ticket": await verdict("Q" * 16, guest.id),
        "someone else": await verdict(code, other.id),
        "already started": await verdict(code, guest.id, event.starts_at),
    }
    for reason, found in refusals.items():
        assert found.authenticity is Authenticity.REFUSED
        assert reason in found.reason
    await tickets.check_at_door(ScanAtDoor(event.id, code, host.id), uow=new_uow(), clock=clock)
    assert "used at the door" in (await verdict(code, guest.id)).reason
    await booking.cancel_booking(CancelBooking(made.id, guest.id), uow=new_uow(), clock=clock)
    assert "void" in (await verdict(made.tickets[1].barcode, guest.id)).reason
