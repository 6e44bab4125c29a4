"""Bookings and tickets, the guest list, invitations and idempotency keys."""

from __future__ import annotations

import asyncio
import secrets

import attrs
import pytest
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.booking.model import (
    Booking,
    BookingId,
    BookingStatus,
    GuestListEntry,
    Invitation,
    TicketStatus,
)
from core.booking.visibility import hash_invite
from core.shared.errors import Conflict, NotFound
from core.shared.idempotency import IdempotencyRecord
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.paging import PageRequest


async def load(new_uow: NewUow, booking: Booking) -> Booking:
    async with new_uow() as uow:
        return await uow.bookings.get(booking.id)


# --- bookings -------------------------------------------------------------------------------


async def test_booking_round_trips_with_its_tickets_in_order(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, guest = await make.account(), await make.account()
    event = await make.event(host, capacity=10, price=Money(2_500, "EUR"))
    async with new_uow() as uow:
        stored = await uow.events.get_for_update(event.id)
        booking = stored.book(guest.id, 4, clock.now())
        booking.confirm(stored, clock.now())  # as if paid: the tickets exist
        booking.tickets[2].status = TicketStatus.VOID
        await uow.events.save(stored)
        await uow.bookings.add(booking)
        await uow.commit()

    loaded = await load(new_uow, booking)

    assert loaded == booking
    assert loaded.amount == Money(10_000, "EUR")
    assert [t.id for t in loaded.tickets] == [t.id for t in booking.tickets]
    assert [t.barcode for t in loaded.tickets] == [t.barcode for t in booking.tickets]
    assert [t.status for t in loaded.tickets] == [
        TicketStatus.VALID,
        TicketStatus.VALID,
        TicketStatus.VOID,
        TicketStatus.VALID,
    ]
    assert all(t.holder_id == guest.id and t.event_id == event.id for t in loaded.tickets)


async def test_booking_of_a_free_event_round_trips_without_an_amount(
    new_uow: NewUow, make: Make
) -> None:
    host, guest = await make.account(), await make.account()
    event = await make.event(host, price=None)
    booking = await make.booking(event, guest, seats=2)

    loaded = await load(new_uow, booking)

    assert loaded == booking
    assert loaded.amount is None
    assert loaded.status is BookingStatus.CONFIRMED
    assert len(loaded.tickets) == 2


async def add_booking(new_uow: NewUow, booking: Booking) -> None:
    async with new_uow() as uow:
        await uow.bookings.add(booking)
        await uow.commit()


async def test_a_ticket_barcode_already_issued_is_a_conflict(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, guest, other = await make.account(), await make.account(), await make.account()
    event = await make.event(host)
    first = await make.booking(event, guest)
    async with new_uow() as uow:
        stored = await uow.events.get_for_update(event.id)
        copycat = stored.book(other.id, 1, clock.now())
    copycat.tickets[0].barcode = first.tickets[0].barcode

    with pytest.raises(Conflict):
        await add_booking(new_uow, copycat)

    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.bookings.get(copycat.id)


async def test_get_of_a_missing_booking_raises_not_found(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.bookings.get(BookingId(uuid7(clock.now())))


async def test_saving_a_cancelled_booking_stores_status_time_and_void_tickets(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, guest = await make.account(), await make.account()
    event = await make.event(host)
    booking = await make.booking(event, guest, seats=3)
    async with new_uow() as uow:
        stored = await uow.bookings.get(booking.id)
        live = await uow.events.get_for_update(event.id)
        stored.cancel(guest.id, live, clock.now())
        await uow.bookings.save(stored)
        await uow.events.save(live)
        await uow.commit()

    loaded = await load(new_uow, booking)

    assert loaded == stored
    assert loaded.status is BookingStatus.CANCELLED
    assert loaded.cancelled_at == stored.cancelled_at
    assert loaded.cancelled_at is not None
    assert [t.status for t in loaded.tickets] == [TicketStatus.VOID] * 3
    assert [t.barcode for t in loaded.tickets] == [t.barcode for t in booking.tickets]


async def test_list_for_guest_pages_newest_first(new_uow: NewUow, make: Make) -> None:
    host, guest, other = await make.account(), await make.account(), await make.account()
    event, second_event = await make.event(host), await make.event(host)
    mine = [await make.booking(event if n % 2 else second_event, guest) for n in range(5)]
    await make.booking(event, other)

    pages: list[list[BookingId]] = []
    more: list[bool] = []
    request = PageRequest(limit=2)
    while len(pages) < 10:
        async with new_uow() as uow:
            page = await uow.bookings.list_for_guest(guest.id, request)
        pages.append([b.id for b in page.items])
        more.append(page.next_cursor is not None)
        if page.next_cursor is None:
            break
        request = attrs.evolve(request, cursor=page.next_cursor)

    newest_first = [b.id for b in reversed(mine)]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    assert more == [True, True, False]


async def test_a_held_booking_round_trips_and_gets_its_tickets_when_confirmed(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, guest = await make.account(), await make.account()
    event = await make.event(host, capacity=5, price=Money(900, "RUB"))
    async with new_uow() as uow:
        stored = await uow.events.get_for_update(event.id)
        held = stored.book(guest.id, 2, clock.now())
        held.payment_id = uuid7(clock.now())
        await uow.events.save(stored)
        await uow.bookings.add(held)
        await uow.commit()

    loaded = await load(new_uow, held)
    assert loaded == held
    assert loaded.status is BookingStatus.PENDING_PAYMENT
    assert (loaded.payment_id, loaded.hold_expires_at) == (held.payment_id, held.hold_expires_at)
    assert loaded.tickets == []

    async with new_uow() as uow:
        live = await uow.events.get_for_update(event.id)
        booking = await uow.bookings.get(held.id)
        booking.confirm(live, clock.now())
        await uow.bookings.save(booking)
        await uow.commit()

    confirmed = await load(new_uow, held)
    assert confirmed.status is BookingStatus.CONFIRMED
    assert confirmed.hold_expires_at is None
    assert [t.barcode for t in confirmed.tickets] == [t.barcode for t in booking.tickets]
    assert len(confirmed.tickets) == 2


async def test_payments_of_event_lists_paid_bookings_in_booking_order(
    new_uow: NewUow, make: Make
) -> None:
    host = await make.account()
    event = await make.event(host, capacity=5, price=Money(900, "RUB"))
    free = await make.event(host)
    first = await make.booking(event, await make.account())
    second = await make.booking(event, await make.account())
    await make.booking(free, await make.account())

    async with new_uow() as uow:
        assert await uow.bookings.payments_of_event(event.id) == [
            first.payment_id,
            second.payment_id,
        ]
        assert await uow.bookings.payments_of_event(free.id) == []


async def test_list_for_guest_returns_whole_bookings(new_uow: NewUow, make: Make) -> None:
    host, guest = await make.account(), await make.account()
    event = await make.event(host, price=Money(700, "RUB"))
    booking = await make.booking(event, guest, seats=2)

    async with new_uow() as uow:
        page = await uow.bookings.list_for_guest(guest.id, PageRequest(limit=10))

    assert list(page.items) == [booking]
    assert page.next_cursor is None


async def test_has_active_is_true_only_for_a_confirmed_booking(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    booked, cancelled, elsewhere = [await make.account() for _ in range(3)]
    event, other_event = await make.event(host), await make.event(host)
    await make.booking(event, booked)
    await make.booking(other_event, elsewhere)
    dropped = await make.booking(event, cancelled)
    async with new_uow() as uow:
        stored = await uow.bookings.get(dropped.id)
        live = await uow.events.get_for_update(event.id)
        stored.cancel(cancelled.id, live, clock.now())
        await uow.bookings.save(stored)
        await uow.events.save(live)
        await uow.commit()

    async with new_uow() as uow:
        answers = [await uow.bookings.has_active(event.id, g.id) for g in (booked, cancelled)]
        answers.append(await uow.bookings.has_active(event.id, elsewhere.id))
        answers.append(await uow.bookings.has_active(event.id, host.id))

    assert answers == [True, False, False, False]


async def test_cancel_all_for_event_cancels_confirmed_bookings_of_that_event_only(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    first, second, gone = [await make.account() for _ in range(3)]
    event, other_event = await make.event(host), await make.event(host)
    b1 = await make.booking(event, second, seats=2)
    b2 = await make.booking(event, first)
    b3 = await make.booking(event, second)
    dropped = await make.booking(event, gone)
    untouched = await make.booking(other_event, first, seats=2)
    async with new_uow() as uow:
        stored = await uow.bookings.get(dropped.id)
        live = await uow.events.get_for_update(event.id)
        stored.cancel(gone.id, live, clock.now())
        await uow.bookings.save(stored)
        await uow.events.save(live)
        await uow.commit()
        dropped_at = stored.cancelled_at

    now = clock.now()
    async with new_uow() as uow:
        guests = await uow.bookings.cancel_all_for_event(event.id, now)
        await uow.commit()

    assert guests == [second.id, first.id]
    async with new_uow() as uow:
        cancelled = [await uow.bookings.get(b.id) for b in (b1, b2, b3)]
        other = await uow.bookings.get(untouched.id)
        earlier = await uow.bookings.get(dropped.id)
    assert [b.status for b in cancelled] == [BookingStatus.CANCELLED] * 3
    assert [b.cancelled_at for b in cancelled] == [now] * 3
    assert [t.status for b in cancelled for t in b.tickets] == [TicketStatus.VOID] * 4
    assert other == untouched
    assert [t.status for t in other.tickets] == [TicketStatus.VALID] * 2
    assert earlier.cancelled_at == dropped_at


async def test_cancel_all_for_event_without_bookings_returns_no_guests(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    event = await make.event(host)

    async with new_uow() as uow:
        guests = await uow.bookings.cancel_all_for_event(event.id, clock.now())

    assert guests == []


# --- guest list -----------------------------------------------------------------------------


async def test_guest_list_sums_seats_per_guest_with_name_and_first_booking_time(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    ada = await make.account(full_name="Ada Lovelace")
    lev = await make.account(full_name="Лев Толстой")
    left = await make.account(full_name="Left Early")
    event, other_event = await make.event(host), await make.event(host)
    ada_first = await make.booking(event, ada, seats=2)
    lev_first = await make.booking(event, lev, seats=1)
    await make.booking(event, ada, seats=3)
    await make.booking(other_event, lev, seats=4)
    dropped = await make.booking(event, left, seats=1)
    async with new_uow() as uow:
        stored = await uow.bookings.get(dropped.id)
        live = await uow.events.get_for_update(event.id)
        stored.cancel(left.id, live, clock.now())
        await uow.bookings.save(stored)
        await uow.events.save(live)
        await uow.commit()

    async with new_uow() as uow:
        entries = await uow.guests.entries(event.id)
        guest_ids = await uow.guests.guest_ids(event.id)

    assert sorted(entries, key=lambda e: e.booked_at) == [
        GuestListEntry(ada.id, "Ada Lovelace", 5, ada_first.created_at),
        GuestListEntry(lev.id, "Лев Толстой", 1, lev_first.created_at),
    ]
    assert sorted(guest_ids) == sorted([ada.id, lev.id])


async def test_guest_list_of_an_event_without_bookings_is_empty(
    new_uow: NewUow, make: Make
) -> None:
    host = await make.account()
    event = await make.event(host)

    async with new_uow() as uow:
        assert await uow.guests.entries(event.id) == []
        assert await uow.guests.guest_ids(event.id) == []


# --- invitations ----------------------------------------------------------------------------


async def test_invitation_is_found_by_event_and_token_hash(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    event, other_event = await make.event(host), await make.event(host)
    token = secrets.token_urlsafe(18)
    invitation = Invitation(
        id=uuid7(clock.now()),
        event_id=event.id,
        token_hash=hash_invite(token),
        created_at=clock.now(),
    )
    async with new_uow() as uow:
        await uow.invitations.add(invitation)
        await uow.commit()

    async with new_uow() as uow:
        found = await uow.invitations.find(event.id, hash_invite(token))
        wrong_event = await uow.invitations.find(other_event.id, hash_invite(token))
        wrong_token = await uow.invitations.find(event.id, hash_invite("guessed"))

    assert found == invitation
    assert wrong_event is None
    assert wrong_token is None


# --- idempotency ----------------------------------------------------------------------------


def record(scope: str, key: str, clock: SteppingClock) -> IdempotencyRecord:
    now = clock.now()
    return IdempotencyRecord(
        scope=scope, key=key, fingerprint="f" * 64, resource_id=uuid7(now), created_at=now
    )


async def claim(new_uow: NewUow, wanted: IdempotencyRecord) -> IdempotencyRecord | None:
    async with new_uow() as uow:
        held = await uow.idempotency.claim(wanted)
        await uow.commit()
    return held


async def test_idempotency_record_round_trips(new_uow: NewUow, clock: SteppingClock) -> None:
    scope, key = f"booking.book:{uuid7(clock.now())}", "retry-Ключ 1"
    stored = record(scope, key, clock)

    async with new_uow() as uow:
        assert await uow.idempotency.get(scope, key) is None
        assert await uow.idempotency.claim(stored) is None
        await uow.commit()

    async with new_uow() as uow:
        assert await uow.idempotency.get(scope, key) == stored
        assert await uow.idempotency.get(scope, "another key") is None


async def test_claiming_a_taken_key_returns_its_holder_and_stores_nothing(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    scope, other_scope = f"s:{uuid7(clock.now())}", f"s:{uuid7(clock.now())}"
    first = record(scope, "k", clock)
    assert await claim(new_uow, first) is None

    assert await claim(new_uow, record(scope, "k", clock)) == first

    elsewhere = record(other_scope, "k", clock)
    assert await claim(new_uow, elsewhere) is None
    async with new_uow() as uow:
        assert await uow.idempotency.get(scope, "k") == first
        assert await uow.idempotency.get(other_scope, "k") == elsewhere


async def test_an_unclaimed_key_is_forgotten_on_rollback(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    wanted = record(f"s:{uuid7(clock.now())}", "k", clock)
    async with new_uow() as uow:
        assert await uow.idempotency.claim(wanted) is None  # no commit

    assert await claim(new_uow, wanted) is None


async def test_concurrent_claims_of_one_key_let_exactly_one_through(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    scope = f"s:{uuid7(clock.now())}"
    tries = [record(scope, "same", clock) for _ in range(8)]

    held = await asyncio.gather(*(claim(new_uow, t) for t in tries))

    winners = [t for t, h in zip(tries, held, strict=True) if h is None]
    assert len(winners) == 1
    assert all(h == winners[0] for h in held if h is not None)
