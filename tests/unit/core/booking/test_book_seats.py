"""Booking seats: never more than capacity, one ticket per seat, retries create nothing new."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount, only

from adapters.memory import MemoryStore, SteppingClock
from adapters.memory.store import MemoryUnitOfWork
from core.booking.commands import BookSeats, CancelEvent
from core.booking.model import (
    SEATS_PER_BOOKING_MAX,
    Booking,
    BookingStatus,
    EventId,
    EventStatus,
    TicketStatus,
)
from core.booking.services import book_seats, cancel_event, get_event
from core.identity.model import AccountId
from core.shared.errors import Conflict, PermissionDenied, ValidationFailed
from core.shared.money import Money
from core.shared.outbox import OutboxMessage


async def test_host_cannot_book_own_event(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host = await register_account()
    event = await publish(host)
    with pytest.raises(PermissionDenied, match="host cannot book"):
        await book(event, host)


async def test_booking_takes_seats_and_stores_booking_and_event(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, capacity=10)
    booking = await book(event, guest, 3)
    assert (booking.status, booking.seats, booking.guest_id) == (
        BookingStatus.CONFIRMED,
        3,
        guest.id,
    )
    stored = await get_event(event.id, viewer=guest.id, invite_token=None, uow=new_uow())
    assert (stored.booked, stored.seats_left) == (3, 7)
    uow = new_uow()
    async with uow:
        assert await uow.bookings.get(booking.id) == booking


async def test_booking_records_booking_confirmed(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    outbox: Callable[[], list[OutboxMessage]],
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    booking = await book(event, guest, 2)
    [confirmed] = only(outbox(), "booking.confirmed")
    assert (confirmed.booking_id, confirmed.live_event_id, confirmed.guest_id, confirmed.seats) == (
        booking.id,
        event.id,
        guest.id,
        2,
    )


async def test_booking_after_the_event_starts_is_a_conflict(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    clock: SteppingClock,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    clock.current = event.starts_at
    with pytest.raises(Conflict, match="already started"):
        await book(event, guest)


async def test_booking_a_cancelled_event_is_a_conflict(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    await cancel_event(CancelEvent(event.id, host.id), uow=new_uow(), clock=clock)
    with pytest.raises(Conflict, match="cancelled"):
        await book(event, guest)


@pytest.mark.parametrize("seats", [0, -1, SEATS_PER_BOOKING_MAX + 1])
async def test_seats_per_booking_must_be_between_1_and_20(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper, seats: int
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, capacity=100)
    with pytest.raises(ValidationFailed) as caught:
        await book(event, guest, seats)
    assert caught.value.field == "seats"


async def test_twenty_seats_in_one_booking_are_allowed(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, capacity=100)
    assert (await book(event, guest, SEATS_PER_BOOKING_MAX)).seats == SEATS_PER_BOOKING_MAX


@pytest.mark.parametrize(
    ("capacity", "taken", "asked", "message"),
    [
        (5, 3, 3, "only 2 seats left"),
        (5, 4, 2, "only 1 seat left"),
        (5, 5, 1, "only 0 seats left"),
    ],
)
async def test_never_more_seats_than_capacity(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    capacity: int,
    taken: int,
    asked: int,
    message: str,
) -> None:
    host, first, second = [await register_account() for _ in range(3)]
    event = await publish(host, capacity=capacity)
    await book(event, first, taken)
    with pytest.raises(Conflict, match=message):
        await book(event, second, asked)
    stored = await get_event(event.id, viewer=None, invite_token=None, uow=new_uow())
    assert stored.booked == taken


async def test_the_last_seat_can_be_booked(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host, first, second = [await register_account() for _ in range(3)]
    event = await publish(host, capacity=3)
    await book(event, first, 2)
    assert (await book(event, second, 1)).seats == 1


async def test_each_seat_gets_one_valid_ticket_with_a_unique_barcode(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host, guest, other = [await register_account() for _ in range(3)]
    event = await publish(host, capacity=100)
    bookings = [await book(event, guest, 20), await book(event, other, 20)]
    tickets = [t for b in bookings for t in b.tickets]
    assert [len(b.tickets) for b in bookings] == [20, 20]
    assert len({t.barcode for t in tickets}) == 40
    assert len({t.id for t in tickets}) == 40
    for b in bookings:
        assert all(
            (t.booking_id, t.event_id, t.holder_id, t.status)
            == (b.id, event.id, b.guest_id, TicketStatus.VALID)
            for t in b.tickets
        )


async def test_barcodes_are_16_characters_without_look_alike_letters(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    booking = await book(event, guest, 5)
    for ticket in booking.tickets:
        assert len(ticket.barcode) == 16
        assert not set(ticket.barcode) & set("01OI")
        assert ticket.barcode.isupper() or ticket.barcode.isdigit()
        assert ticket.barcode not in repr(ticket)


@pytest.mark.parametrize("seats", [1, 3, 20])
async def test_amount_is_price_times_seats(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper, seats: int
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, price=Money(1250, "RUB"), capacity=50)
    assert (await book(event, guest, seats)).amount == Money(1250 * seats, "RUB")


async def test_free_event_booking_has_no_amount(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    assert (await book(event, guest, 2)).amount is None


async def test_a_guest_may_book_the_same_event_again(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    first, second = await book(event, guest, 1), await book(event, guest, 2)
    assert first.id != second.id


class TestIdempotencyKey:
    async def _book(
        self,
        event_id: EventId,
        guest_id: AccountId,
        seats: int,
        key: str | None,
        uow: NewUow,
        clock: SteppingClock,
    ) -> tuple[Booking, bool]:
        return await book_seats(
            BookSeats(event_id, guest_id, seats, idempotency_key=key), uow=uow(), clock=clock
        )

    async def test_replay_returns_the_same_booking_and_creates_nothing_new(
        self,
        register_account: RegisterAccount,
        publish: PublishHelper,
        new_uow: NewUow,
        clock: SteppingClock,
        store: MemoryStore,
        outbox: Callable[[], list[OutboxMessage]],
    ) -> None:
        host, guest = await register_account(), await register_account()
        event = await publish(host, capacity=5)
        first, replay = await self._book(event.id, guest.id, 2, "order-1", new_uow, clock)
        assert replay is False
        messages = len(outbox())
        again, replay = await self._book(event.id, guest.id, 2, "order-1", new_uow, clock)
        assert replay is True
        assert again == first
        assert len(store.table("bookings")) == 1
        assert len(outbox()) == messages
        stored = await get_event(event.id, viewer=None, invite_token=None, uow=new_uow())
        assert stored.booked == 2

    async def test_replay_works_even_when_the_event_is_now_full(
        self,
        register_account: RegisterAccount,
        publish: PublishHelper,
        book: BookHelper,
        new_uow: NewUow,
        clock: SteppingClock,
    ) -> None:
        host, guest, other = [await register_account() for _ in range(3)]
        event = await publish(host, capacity=3)
        first, _ = await self._book(event.id, guest.id, 2, "k", new_uow, clock)
        await book(event, other, 1)
        again, replay = await self._book(event.id, guest.id, 2, "k", new_uow, clock)
        assert (again.id, replay) == (first.id, True)

    async def test_same_key_with_a_different_body_is_refused(
        self,
        register_account: RegisterAccount,
        publish: PublishHelper,
        new_uow: NewUow,
        clock: SteppingClock,
        store: MemoryStore,
    ) -> None:
        host, guest = await register_account(), await register_account()
        event, other_event = await publish(host), await publish(host)
        await self._book(event.id, guest.id, 2, "k", new_uow, clock)
        with pytest.raises(ValidationFailed, match="different request"):
            await self._book(event.id, guest.id, 3, "k", new_uow, clock)
        with pytest.raises(ValidationFailed, match="different request"):
            await self._book(other_event.id, guest.id, 2, "k", new_uow, clock)
        assert len(store.table("bookings")) == 1

    async def test_keys_belong_to_one_guest(
        self,
        register_account: RegisterAccount,
        publish: PublishHelper,
        new_uow: NewUow,
        clock: SteppingClock,
    ) -> None:
        host, guest, other = [await register_account() for _ in range(3)]
        event = await publish(host)
        mine, _ = await self._book(event.id, guest.id, 1, "k", new_uow, clock)
        theirs, replay = await self._book(event.id, other.id, 1, "k", new_uow, clock)
        assert replay is False
        assert theirs.id != mine.id

    async def test_without_a_key_every_request_books(
        self,
        register_account: RegisterAccount,
        publish: PublishHelper,
        new_uow: NewUow,
        clock: SteppingClock,
    ) -> None:
        host, guest = await register_account(), await register_account()
        event = await publish(host)
        first, _ = await self._book(event.id, guest.id, 1, None, new_uow, clock)
        second, replay = await self._book(event.id, guest.id, 1, None, new_uow, clock)
        assert (replay, first.id != second.id) == (False, True)

    @pytest.mark.parametrize("key", ["", "x" * 256, "bad\nkey"])
    async def test_malformed_key_is_refused(
        self,
        register_account: RegisterAccount,
        publish: PublishHelper,
        new_uow: NewUow,
        clock: SteppingClock,
        store: MemoryStore,
        key: str,
    ) -> None:
        host, guest = await register_account(), await register_account()
        event = await publish(host)
        with pytest.raises(ValidationFailed) as caught:
            await self._book(event.id, guest.id, 1, key, new_uow, clock)
        assert caught.value.field == "Idempotency-Key"
        assert store.table("bookings") == {}


async def test_booking_the_day_before_is_fine(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    clock: SteppingClock,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    clock.current = event.starts_at - timedelta(days=1)
    assert (await book(event, guest)).status is BookingStatus.CONFIRMED


class _Overtaken(MemoryUnitOfWork):
    """A unit of work whose seats go to someone else between its read and its commit: what
    many buyers at once do on PostgreSQL, made to happen on the in-memory store."""

    def __init__(self, store: MemoryStore, booked: int, status: EventStatus | None = None):
        super().__init__(store)
        self.booked, self.status = booked, status

    async def commit_taking_seats(self, event_id: EventId, seats: int, now: datetime) -> bool:
        stored = self._store.table("events")[event_id]
        stored.booked = self.booked
        if self.status is not None:
            stored.status = self.status
        return await super().commit_taking_seats(event_id, seats, now)


@pytest.mark.parametrize(
    ("booked", "status", "message"),
    [
        (4, None, "only 1 seat left"),
        (5, None, "only 0 seats left"),
        (0, EventStatus.CANCELLED, "cancelled"),
    ],
)
async def test_seats_taken_between_the_read_and_the_commit_refuse_with_the_rule_now(
    register_account: RegisterAccount,
    publish: PublishHelper,
    store: MemoryStore,
    new_uow: NewUow,
    clock: SteppingClock,
    booked: int,
    status: EventStatus | None,
    message: str,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, capacity=5)
    with pytest.raises(Conflict, match=message):
        await book_seats(
            BookSeats(event.id, guest.id, 2), uow=_Overtaken(store, booked, status), clock=clock
        )
    async with new_uow() as uow:
        assert not await uow.bookings.has_active(event.id, guest.id)
        assert (await uow.events.get(event.id)).booked == booked


async def test_seats_that_are_still_there_at_the_commit_are_taken(
    register_account: RegisterAccount,
    publish: PublishHelper,
    store: MemoryStore,
    clock: SteppingClock,
) -> None:
    """The same competitor leaving enough seats: the booking goes through, on top of it."""
    host, guest = await register_account(), await register_account()
    event = await publish(host, capacity=5)
    booking, _ = await book_seats(
        BookSeats(event.id, guest.id, 2), uow=_Overtaken(store, 3), clock=clock
    )
    assert booking.seats == 2
    assert store.table("events")[event.id].booked == 5
