"""Private events exist only for their host, holders of an invitation, and their guests."""

from __future__ import annotations

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount, invite

from adapters.memory import MemoryStore, SteppingClock
from core.booking.commands import BookSeats, CancelBooking, CreateInvitation
from core.booking.model import Event, EventFilter, Visibility
from core.booking.services import (
    book_seats,
    cancel_booking,
    create_invitation,
    find_events,
    get_event,
)
from core.identity.model import AccountId
from core.shared.errors import NotFound, PermissionDenied
from core.shared.paging import PageRequest


async def see(event: Event, viewer: AccountId | None, token: str | None, uow: NewUow) -> Event:
    return await get_event(event.id, viewer=viewer, invite_token=token, uow=uow())


async def test_public_event_is_visible_to_anyone(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow
) -> None:
    host, stranger = await register_account(), await register_account()
    event = await publish(host)
    assert (await see(event, None, None, new_uow)).id == event.id
    assert (await see(event, stranger.id, None, new_uow)).id == event.id


async def test_private_event_is_not_found_without_an_invitation(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow
) -> None:
    host, stranger = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    for viewer in (None, stranger.id):
        with pytest.raises(NotFound, match="event not found"):
            await see(event, viewer, None, new_uow)


async def test_private_event_is_visible_to_its_host(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow
) -> None:
    host = await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    assert (await see(event, host.id, None, new_uow)).id == event.id


async def test_create_invitation_returns_a_raw_token_and_stores_only_its_hash(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    host = await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    invitation, token = await create_invitation(
        CreateInvitation(event.id, host.id), uow=new_uow(), clock=clock
    )
    assert len(token) >= 24
    assert invitation.event_id == event.id
    assert invitation.token_hash != token
    [stored] = store.table("invitations").values()
    assert token not in repr(stored)
    assert stored.token_hash == invitation.token_hash


async def test_private_event_is_visible_with_a_valid_invitation_token(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host, friend = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    token = await invite(event, host.id, new_uow, clock)
    assert (await see(event, friend.id, token, new_uow)).id == event.id
    assert (await see(event, None, token, new_uow)).id == event.id


async def test_invitation_token_of_another_event_does_not_open_this_one(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host, friend = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    other = await publish(host, visibility=Visibility.PRIVATE)
    token = await invite(other, host.id, new_uow, clock)
    for wrong in (token, "made-up-token", ""):
        with pytest.raises(NotFound):
            await see(event, friend.id, wrong, new_uow)


async def test_guest_with_an_invitation_can_book_and_then_see_it_without_the_token(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, friend = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await book(event, friend)
    token = await invite(event, host.id, new_uow, clock)
    await book(event, friend, invite_token=token)
    assert (await see(event, friend.id, None, new_uow)).id == event.id


async def test_guest_who_cancelled_no_longer_sees_a_private_event(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, friend = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    token = await invite(event, host.id, new_uow, clock)
    booking = await book(event, friend, invite_token=token)
    await cancel_booking(CancelBooking(booking.id, friend.id), uow=new_uow(), clock=clock)
    with pytest.raises(NotFound):
        await see(event, friend.id, None, new_uow)


async def test_only_the_host_may_create_invitations(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host, stranger = await register_account(), await register_account()
    public = await publish(host)
    private = await publish(host, visibility=Visibility.PRIVATE)
    with pytest.raises(PermissionDenied):
        await invite(public, stranger.id, new_uow, clock)
    with pytest.raises(NotFound):
        await invite(private, stranger.id, new_uow, clock)


async def test_private_events_are_never_listed_in_search(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host = await register_account()
    public = await publish(host)
    await publish(host, visibility=Visibility.PRIVATE)
    page = await find_events(EventFilter(), PageRequest(), uow=new_uow(), clock=clock)
    assert [e.id for e in page.items] == [public.id]


async def test_booking_a_private_event_with_a_made_up_token_is_not_found(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host, stranger = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await book_seats(
            BookSeats(event.id, stranger.id, 1, invite_token="guess"), uow=new_uow(), clock=clock
        )
