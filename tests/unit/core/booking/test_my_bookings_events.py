"""A guest's bookings with the events they are for, as the bookings page shows them."""

from __future__ import annotations

from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount

from core.booking.services import my_bookings_with_events
from core.shared.paging import PageRequest


async def test_each_event_comes_once_with_the_guests_bookings_and_only_those(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
) -> None:
    host, guest, other = [await register_account() for _ in range(3)]
    film = await publish(host, title="Film night", capacity=10)
    match = await publish(host, title="Cup final", capacity=10)
    unbooked = await publish(host, title="Opera", capacity=10)
    mine = [await book(film, guest), await book(match, guest), await book(film, guest)]
    await book(unbooked, other)

    page, events = await my_bookings_with_events(guest.id, PageRequest(), uow=new_uow())

    assert [b.id for b in page.items] == [b.id for b in reversed(mine)]
    assert set(events) == {film.id, match.id}
    assert events[film.id].details.title == "Film night"
    assert events[match.id].details.title == "Cup final"


async def test_a_guest_without_bookings_gets_no_events(
    register_account: RegisterAccount, new_uow: NewUow
) -> None:
    guest = await register_account()
    page, events = await my_bookings_with_events(guest.id, PageRequest(), uow=new_uow())
    assert (page.items, events) == ([], {})
