"""A guest cancels their own booking before the event starts; the seats go back on sale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount, only

from adapters.memory import SteppingClock
from core.booking.commands import CancelBooking
from core.booking.model import Booking, BookingId, BookingStatus, TicketStatus
from core.booking.services import cancel_booking, get_event, my_bookings
from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.ids import uuid7
from core.shared.outbox import OutboxMessage
from core.shared.paging import Cursor, PageRequest


async def cancel(booking: Booking, actor: AccountId, uow: NewUow, clock: SteppingClock) -> Booking:
    return await cancel_booking(CancelBooking(booking.id, actor), uow=uow(), clock=clock)


async def test_guest_cancelling_releases_the_seats_and_voids_the_tickets(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest, other = [await register_account() for _ in range(3)]
    event = await publish(host, capacity=3)
    booking = await book(event, guest, 3)
    cancelled = await cancel(booking, guest.id, new_uow, clock)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert all(t.status is TicketStatus.VOID for t in cancelled.tickets)
    stored = await get_event(event.id, viewer=None, invite_token=None, uow=new_uow())
    assert stored.booked == 0
    assert (await book(event, other, 3)).seats == 3


async def test_cancelling_records_booking_cancelled(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    outbox: Callable[[], list[OutboxMessage]],
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    booking = await book(event, guest, 2)
    await cancel(booking, guest.id, new_uow, clock)
    [cancelled] = only(outbox(), "booking.cancelled")
    assert (cancelled.booking_id, cancelled.guest_id, cancelled.seats) == (booking.id, guest.id, 2)


async def test_someone_else_cancelling_a_booking_is_not_found(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest, stranger = [await register_account() for _ in range(3)]
    event = await publish(host)
    booking = await book(event, guest)
    for actor in (stranger.id, host.id):
        with pytest.raises(NotFound, match="booking not found"):
            await cancel(booking, actor, new_uow, clock)
    stored = await get_event(event.id, viewer=None, invite_token=None, uow=new_uow())
    assert stored.booked == 1


async def test_cancelling_after_the_event_starts_is_a_conflict(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    booking = await book(event, guest)
    clock.current = event.starts_at
    with pytest.raises(Conflict, match="has started"):
        await cancel(booking, guest.id, new_uow, clock)


async def test_cancelling_just_before_the_start_is_fine(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    booking = await book(event, guest)
    clock.current = event.starts_at - timedelta(seconds=1)
    assert (await cancel(booking, guest.id, new_uow, clock)).status is BookingStatus.CANCELLED


async def test_cancelling_twice_is_a_conflict_and_releases_seats_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest, other = [await register_account() for _ in range(3)]
    event = await publish(host, capacity=4)
    booking = await book(event, guest, 2)
    await book(event, other, 2)
    await cancel(booking, guest.id, new_uow, clock)
    with pytest.raises(Conflict, match="already cancelled"):
        await cancel(booking, guest.id, new_uow, clock)
    stored = await get_event(event.id, viewer=None, invite_token=None, uow=new_uow())
    assert stored.booked == 2


async def test_cancelling_an_unknown_booking_is_not_found(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    guest = await register_account()
    with pytest.raises(NotFound):
        await cancel_booking(
            CancelBooking(BookingId(uuid7(clock.now())), guest.id), uow=new_uow(), clock=clock
        )


async def test_my_bookings_lists_only_mine_newest_first_across_pages(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
) -> None:
    host, guest, other = [await register_account() for _ in range(3)]
    event = await publish(host, capacity=20)
    mine = [await book(event, guest) for _ in range(5)]
    await book(event, other)
    seen: list[Booking] = []
    page = PageRequest(limit=2)
    while True:
        result = await my_bookings(guest.id, page, uow=new_uow())
        seen.extend(result.items)
        if result.next_cursor is None:
            break
        page = PageRequest(result.next_cursor, limit=2)
    assert [b.id for b in seen] == [b.id for b in reversed(mine)]


@pytest.mark.parametrize("key", [(), ("not-a-uuid",)])
async def test_my_bookings_with_a_forged_cursor_is_validation_failed(
    key: tuple[str, ...], register_account: RegisterAccount, new_uow: NewUow
) -> None:
    guest = await register_account()
    with pytest.raises(ValidationFailed):
        await my_bookings(guest.id, PageRequest(Cursor(key)), uow=new_uow())
