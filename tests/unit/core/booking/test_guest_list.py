"""The guest list: who is coming and with how many seats, for the host's eyes only."""

from __future__ import annotations

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from core.booking.commands import CancelBooking
from core.booking.model import Visibility
from core.booking.services import cancel_booking, guest_list
from core.shared.errors import NotFound, PermissionDenied


async def test_guest_list_sums_confirmed_seats_per_guest_in_booking_order(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host = await register_account()
    ann = await register_account(full_name="Ann Smith")
    bob = await register_account(full_name="Bob Jones")
    event = await publish(host, capacity=20)
    first = await book(event, ann, 2)
    await book(event, bob, 1)
    await book(event, ann, 3)
    dropped = await book(event, bob, 4)
    await cancel_booking(CancelBooking(dropped.id, bob.id), uow=new_uow(), clock=clock)
    entries = await guest_list(event.id, actor_id=host.id, uow=new_uow())
    assert [(e.account_id, e.full_name, e.seats) for e in entries] == [
        (ann.id, "Ann Smith", 5),
        (bob.id, "Bob Jones", 1),
    ]
    assert entries[0].booked_at == first.created_at


async def test_guest_list_of_an_event_nobody_booked_is_empty(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow
) -> None:
    host = await register_account()
    event = await publish(host)
    assert await guest_list(event.id, actor_id=host.id, uow=new_uow()) == []


async def test_only_the_host_sees_the_guest_list(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper, new_uow: NewUow
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    await book(event, guest)
    with pytest.raises(PermissionDenied):
        await guest_list(event.id, actor_id=guest.id, uow=new_uow())


async def test_guest_list_of_a_private_event_is_not_found_for_strangers(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow
) -> None:
    host, stranger = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await guest_list(event.id, actor_id=stranger.id, uow=new_uow())
