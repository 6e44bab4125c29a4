"""The waiting list: join a full event for N seats; freed seats are held for the next entry
that fits, for a while, and offered by email; priority holders go first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.support import (
    HOLD_TERMS,
    BookHelper,
    NewUow,
    PublishHelper,
    RegisterAccount,
    Relay,
)

from adapters.memory import MemoryNotifier, MemoryStore, SteppingClock
from adapters.memory.perks import grant_perk
from core.booking.commands import (
    BookSeats,
    CancelBooking,
    CancelEvent,
    EditEvent,
    JoinWaitlist,
    WaitlistAction,
)
from core.booking.model import Event, EventChanges
from core.booking.paid import release_hold
from core.booking.services import book_seats, cancel_booking, cancel_event, edit_event
from core.booking.tickets import BookingStatus
from core.booking.waiting import (
    accept_offer,
    join_waitlist,
    lapse_offers,
    leave_waitlist,
    my_waitlist,
)
from core.booking.waitlist import OFFER_TTL, EntryStatus, WaitlistEntry
from core.identity.model import Account
from core.shared.errors import Conflict, NotFound, PermissionDenied
from core.shared.money import Money
from core.shared.perks import Perk


async def join(
    event: Event, guest: Account, seats: int, new_uow: NewUow, clock: SteppingClock
) -> WaitlistEntry:
    return await join_waitlist(JoinWaitlist(event.id, guest.id, seats), uow=new_uow(), clock=clock)


async def entry(new_uow: NewUow, entry_id: object) -> WaitlistEntry:
    async with new_uow() as uow:
        return await uow.waitlist.get(entry_id)  # type: ignore[arg-type]


async def seats_booked(new_uow: NewUow, event: Event) -> int:
    async with new_uow() as uow:
        return (await uow.events.get(event.id)).booked


@pytest.fixture
async def full(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> tuple[Account, Event, list]:
    """A host's event of 3 seats, fully booked by three guests (one booking each)."""
    host = await register_account()
    event = await publish(host, capacity=3, title="Sold out")
    bookings = [await book(event, await register_account()) for _ in range(3)]
    return host, event, bookings


async def test_only_a_full_event_has_a_waiting_list_and_one_entry_per_guest(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    full: tuple,
) -> None:
    host, event, _ = full
    ann = await register_account()
    with pytest.raises(PermissionDenied):
        await join(event, host, 1, new_uow, clock)
    waiting = await join(event, ann, 2, new_uow, clock)
    assert (waiting.status, waiting.seats) == (EntryStatus.WAITING, 2)
    with pytest.raises(Conflict, match="already on this event's waiting list"):
        await join(event, ann, 1, new_uow, clock)
    roomy = await publish(host, capacity=5)
    with pytest.raises(Conflict, match="5 seats are free"):
        await join(roomy, ann, 2, new_uow, clock)
    assert [e.id for e in await my_waitlist(ann.id, uow=new_uow())] == [waiting.id]


async def test_a_cancellation_offers_the_freed_seats_to_the_next_that_fits_and_emails_them(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    full: tuple,
    relay: Relay,
    notifier: MemoryNotifier,
) -> None:
    _, event, bookings = full
    big, small = await register_account(), await register_account()
    wants_two = await join(event, big, 2, new_uow, clock)
    wants_one = await join(event, small, 1, new_uow, clock)
    await cancel_booking(
        CancelBooking(bookings[0].id, bookings[0].guest_id), uow=new_uow(), clock=clock
    )

    assert (await entry(new_uow, wants_two.id)).status is EntryStatus.WAITING  # 2 do not fit in 1
    offered = await entry(new_uow, wants_one.id)
    assert offered.status is EntryStatus.OFFERED
    assert await seats_booked(new_uow, event) == 3  # the freed seat is held for the offer
    await relay.drain()
    [message] = [m for m in notifier.sent if m.recipient_id == small.id]
    assert message.subject == "Seats for you: Sold out"
    assert "held for you until" in message.body


async def test_accepting_an_offer_books_its_seats(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, full: tuple
) -> None:
    _, event, bookings = full
    ann = await register_account()
    waiting = await join(event, ann, 1, new_uow, clock)
    await cancel_booking(
        CancelBooking(bookings[0].id, bookings[0].guest_id), uow=new_uow(), clock=clock
    )
    with pytest.raises(NotFound):
        await accept_offer(
            WaitlistAction(waiting.id, bookings[1].guest_id), uow=new_uow(), clock=clock
        )
    booking = await accept_offer(WaitlistAction(waiting.id, ann.id), uow=new_uow(), clock=clock)
    assert (booking.guest_id, booking.seats, booking.status) == (ann.id, 1, BookingStatus.CONFIRMED)
    assert await seats_booked(new_uow, event) == 3
    done = await entry(new_uow, waiting.id)
    assert (done.status, done.booking_id) == (EntryStatus.BOOKED, booking.id)
    with pytest.raises(Conflict, match="no open offer"):
        await accept_offer(WaitlistAction(waiting.id, ann.id), uow=new_uow(), clock=clock)


async def test_a_lapsed_offer_passes_the_seats_to_the_next_in_line(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, full: tuple
) -> None:
    _, event, bookings = full
    ann, bob = await register_account(), await register_account()
    first = await join(event, ann, 1, new_uow, clock)
    second = await join(event, bob, 1, new_uow, clock)
    await cancel_booking(
        CancelBooking(bookings[0].id, bookings[0].guest_id), uow=new_uow(), clock=clock
    )
    clock.advance(OFFER_TTL - timedelta(seconds=1))
    assert await lapse_offers(uow=new_uow(), clock=clock) == 0
    clock.advance(timedelta(seconds=1))
    with pytest.raises(Conflict, match="run out"):
        await accept_offer(WaitlistAction(first.id, ann.id), uow=new_uow(), clock=clock)
    assert await lapse_offers(uow=new_uow(), clock=clock) == 1
    assert (await entry(new_uow, first.id)).status is EntryStatus.LAPSED
    assert (await entry(new_uow, second.id)).status is EntryStatus.OFFERED
    assert await seats_booked(new_uow, event) == 3
    assert await lapse_offers(uow=new_uow(), clock=clock) == 0


async def test_priority_holders_are_offered_first(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    full: tuple,
    store: MemoryStore,
) -> None:
    _, event, bookings = full
    early, subscriber = await register_account(), await register_account()
    grant_perk(store, subscriber.id, Perk.WAITLIST_PRIORITY, clock.current + timedelta(days=30))
    plain = await join(event, early, 1, new_uow, clock)
    first = await join(event, subscriber, 1, new_uow, clock)
    await cancel_booking(
        CancelBooking(bookings[0].id, bookings[0].guest_id), uow=new_uow(), clock=clock
    )
    assert (await entry(new_uow, first.id)).status is EntryStatus.OFFERED
    assert (await entry(new_uow, plain.id)).status is EntryStatus.WAITING


async def test_a_raised_capacity_and_a_lapsed_hold_offer_seats_too(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host = await register_account()
    event = await publish(host, capacity=1, price=Money(50_000, "RUB"))
    payer = await register_account()
    held, _ = await book_seats(
        BookSeats(event.id, payer.id, 1), uow=new_uow(), clock=clock, terms=HOLD_TERMS
    )
    ann, bob = await register_account(), await register_account()
    for_ann = await join(event, ann, 1, new_uow, clock)
    for_bob = await join(event, bob, 1, new_uow, clock)
    await release_hold(held.id, uow=new_uow(), clock=clock)  # the payment failed
    assert (await entry(new_uow, for_ann.id)).status is EntryStatus.OFFERED
    await edit_event(
        EditEvent(event.id, host.id, EventChanges(capacity=2)), uow=new_uow(), clock=clock
    )
    assert (await entry(new_uow, for_bob.id)).status is EntryStatus.OFFERED
    booking = await accept_offer(
        WaitlistAction(for_bob.id, bob.id), uow=new_uow(), clock=clock, terms=HOLD_TERMS
    )
    assert booking.status is BookingStatus.PENDING_PAYMENT  # a paid event: paid like any booking
    assert booking.payment_id is not None


async def test_leaving_with_an_offer_passes_it_on_and_a_cancelled_event_closes_the_list(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, full: tuple
) -> None:
    host, event, bookings = full
    ann, bob = await register_account(), await register_account()
    first = await join(event, ann, 1, new_uow, clock)
    second = await join(event, bob, 1, new_uow, clock)
    await cancel_booking(
        CancelBooking(bookings[0].id, bookings[0].guest_id), uow=new_uow(), clock=clock
    )
    left = await leave_waitlist(WaitlistAction(first.id, ann.id), uow=new_uow(), clock=clock)
    assert left.status is EntryStatus.LEFT
    assert (await entry(new_uow, second.id)).status is EntryStatus.OFFERED
    await cancel_event(CancelEvent(event.id, host.id), uow=new_uow(), clock=clock)
    assert (await entry(new_uow, second.id)).status is EntryStatus.LEFT
    assert await my_waitlist(bob.id, uow=new_uow()) == []
