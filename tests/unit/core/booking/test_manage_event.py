"""Editing and cancelling an event: only its host, only before it starts, guests told once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount, invite, only

from adapters.memory import MemoryStore, SteppingClock
from core.booking.commands import CancelBooking, CancelEvent, EditEvent
from core.booking.model import (
    BookingStatus,
    Event,
    EventChanges,
    EventStatus,
    TicketStatus,
    Visibility,
)
from core.booking.services import (
    cancel_booking,
    cancel_event,
    edit_event,
    get_event,
)
from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.outbox import OutboxMessage

Edit = Callable[..., Awaitable[Event]]
Cancel = Callable[..., Awaitable[Event]]
Outbox = Callable[[], list[OutboxMessage]]


@pytest.fixture
def edit(new_uow: NewUow, clock: SteppingClock) -> Edit:
    async def _edit(
        event: Event, actor: AccountId, token: str | None = None, **changes: Any
    ) -> Event:
        return await edit_event(
            EditEvent(event.id, actor, EventChanges(**changes), token), uow=new_uow(), clock=clock
        )

    return _edit


@pytest.fixture
def cancel(new_uow: NewUow, clock: SteppingClock) -> Cancel:
    async def _cancel(
        event: Event, actor: AccountId, reason: str = "", token: str | None = None
    ) -> Event:
        return await cancel_event(
            CancelEvent(event.id, actor, reason, token), uow=new_uow(), clock=clock
        )

    return _cancel


async def test_host_edits_the_details_and_capacity(
    register_account: RegisterAccount,
    publish: PublishHelper,
    edit: Edit,
    new_uow: NewUow,
    at: Callable[..., datetime],
) -> None:
    host = await register_account()
    event = await publish(host)
    starts = at(days=10)
    edited = await edit(
        event,
        host.id,
        title="New title",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=20,
    )
    stored = await get_event(event.id, viewer=None, invite_token=None, uow=new_uow())
    assert stored == edited
    assert (stored.details.title, stored.starts_at, stored.capacity) == ("New title", starts, 20)
    assert stored.details.city == event.details.city


async def test_edit_records_event_changed_with_what_changed(
    register_account: RegisterAccount, publish: PublishHelper, edit: Edit, outbox: Outbox
) -> None:
    host = await register_account()
    event = await publish(host)
    await edit(event, host.id, city="Kazan", capacity=12, visibility=Visibility.PRIVATE)
    [changed] = only(outbox(), "event.changed")
    assert changed.live_event_id == event.id
    assert changed.title == event.details.title
    assert changed.changes == {"city": "Kazan", "capacity": "12", "visibility": "private"}


async def test_edit_records_nothing_when_nothing_changed(
    register_account: RegisterAccount, publish: PublishHelper, edit: Edit, outbox: Outbox
) -> None:
    host = await register_account()
    event = await publish(host)
    edited = await edit(event, host.id)
    same = await edit(
        event,
        host.id,
        title=f"  {event.details.title} ",
        city=event.details.city,
        capacity=event.capacity,
        visibility=event.visibility,
    )
    assert only(outbox(), "event.changed") == []
    assert edited.updated_at == same.updated_at == event.updated_at


async def test_edit_cannot_drop_capacity_below_booked_seats(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper, edit: Edit
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, capacity=10)
    await book(event, guest, 6)
    with pytest.raises(Conflict, match="6 seats are already booked"):
        await edit(event, host.id, capacity=5)
    assert (await edit(event, host.id, capacity=6)).seats_left == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"time_zone": "Nowhere/Land"}, "time_zone"),
        ({"ends_at_offset": timedelta(hours=-1)}, "ends_at"),
        ({"starts_at_offset": timedelta(days=-1)}, "starts_at"),
    ],
)
async def test_edit_checks_the_new_details(
    register_account: RegisterAccount,
    publish: PublishHelper,
    edit: Edit,
    at: Callable[..., datetime],
    changes: dict[str, Any],
    field: str,
) -> None:
    host = await register_account()
    event = await publish(host)
    if "ends_at_offset" in changes:
        changes = {"ends_at": event.starts_at + changes["ends_at_offset"]}
    if "starts_at_offset" in changes:
        start = at() + changes["starts_at_offset"]
        changes = {"starts_at": start, "ends_at": start + timedelta(hours=1)}
    with pytest.raises(ValidationFailed) as caught:
        await edit(event, host.id, **changes)
    assert caught.value.field == field


async def test_only_the_host_may_edit_a_public_event(
    register_account: RegisterAccount, publish: PublishHelper, edit: Edit
) -> None:
    host, stranger = await register_account(), await register_account()
    event = await publish(host)
    with pytest.raises(PermissionDenied, match="only the host"):
        await edit(event, stranger.id, title="Mine now")


async def test_a_private_event_is_not_found_for_an_editor_who_cannot_see_it(
    register_account: RegisterAccount, publish: PublishHelper, edit: Edit
) -> None:
    host, stranger = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await edit(event, stranger.id, title="Mine now")


async def test_an_invited_guest_still_may_not_edit_or_cancel_a_private_event(
    register_account: RegisterAccount,
    publish: PublishHelper,
    edit: Edit,
    cancel: Cancel,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, friend = await register_account(), await register_account()
    event = await publish(host, visibility=Visibility.PRIVATE)
    token = await invite(event, host.id, new_uow, clock)
    with pytest.raises(PermissionDenied):
        await edit(event, friend.id, token, title="Mine now")
    with pytest.raises(PermissionDenied):
        await cancel(event, friend.id, token=token)


async def test_editing_after_the_start_or_a_cancelled_event_is_a_conflict(
    register_account: RegisterAccount,
    publish: PublishHelper,
    edit: Edit,
    cancel: Cancel,
    clock: SteppingClock,
) -> None:
    host = await register_account()
    cancelled, started = await publish(host), await publish(host)
    await cancel(cancelled, host.id)
    with pytest.raises(Conflict, match="cancelled"):
        await edit(cancelled, host.id, title="Back on")
    clock.current = started.starts_at
    with pytest.raises(Conflict, match="already started"):
        await edit(started, host.id, title="Too late")


async def test_only_the_host_may_cancel_an_event(
    register_account: RegisterAccount, publish: PublishHelper, cancel: Cancel
) -> None:
    host, stranger = await register_account(), await register_account()
    public = await publish(host)
    private = await publish(host, visibility=Visibility.PRIVATE)
    with pytest.raises(PermissionDenied):
        await cancel(public, stranger.id)
    with pytest.raises(NotFound):
        await cancel(private, stranger.id)


async def test_cancel_event_cancels_every_booking_and_voids_every_ticket(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    cancel: Cancel,
    store: MemoryStore,
) -> None:
    host, ann, bob = [await register_account() for _ in range(3)]
    event = await publish(host, capacity=10)
    for guest, seats in ((ann, 2), (bob, 1), (ann, 3)):
        await book(event, guest, seats)
    cancelled = await cancel(event, host.id, "The venue flooded")
    assert (cancelled.status, cancelled.booked) == (EventStatus.CANCELLED, 0)
    bookings = list(store.table("bookings").values())
    assert len(bookings) == 3
    assert all(b.status is BookingStatus.CANCELLED and b.cancelled_at for b in bookings)
    assert all(t.status is TicketStatus.VOID for b in bookings for t in b.tickets)


async def test_event_cancelled_carries_each_guest_once_in_booking_order(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    cancel: Cancel,
    outbox: Outbox,
) -> None:
    host, ann, bob, cid = [await register_account() for _ in range(4)]
    event = await publish(host, capacity=20)
    for guest in (bob, ann, bob, cid, ann):
        await book(event, guest)
    await cancel(event, host.id, "  Illness ")
    [cancelled] = only(outbox(), "event.cancelled")
    assert cancelled.guest_ids == (bob.id, ann.id, cid.id)
    assert (cancelled.live_event_id, cancelled.title, cancelled.reason) == (
        event.id,
        event.details.title,
        "Illness",
    )
    assert cancelled.starts_at == event.starts_at


async def test_guests_who_cancelled_earlier_are_not_told_again(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    cancel: Cancel,
    outbox: Outbox,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, ann, bob = [await register_account() for _ in range(3)]
    event = await publish(host)
    gone = await book(event, ann)
    await book(event, bob)
    await cancel_booking(CancelBooking(gone.id, ann.id), uow=new_uow(), clock=clock)
    await cancel(event, host.id)
    [cancelled] = only(outbox(), "event.cancelled")
    assert cancelled.guest_ids == (bob.id,)


async def test_cancel_event_twice_is_a_conflict(
    register_account: RegisterAccount, publish: PublishHelper, cancel: Cancel, outbox: Outbox
) -> None:
    host = await register_account()
    event = await publish(host)
    await cancel(event, host.id)
    with pytest.raises(Conflict, match="cancelled"):
        await cancel(event, host.id)
    assert len(only(outbox(), "event.cancelled")) == 1


async def test_cancel_event_after_it_started_is_a_conflict(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    cancel: Cancel,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    await book(event, guest)
    clock.current = event.starts_at + timedelta(minutes=5)
    with pytest.raises(Conflict, match="already started"):
        await cancel(event, host.id)
    [booking] = store.table("bookings").values()
    assert booking.status is BookingStatus.CONFIRMED


async def test_cancel_reason_longer_than_500_characters_is_refused(
    register_account: RegisterAccount, publish: PublishHelper, cancel: Cancel, store: MemoryStore
) -> None:
    host = await register_account()
    event = await publish(host)
    with pytest.raises(ValidationFailed):
        await cancel(event, host.id, "x" * 501)
    assert store.table("events")[event.id].status is EventStatus.SCHEDULED


async def test_a_refused_cancel_reason_leaves_the_event_untouched(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper, at: Any
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    await book(event, guest, 2)
    event.booked = 2  # the copy in hand, as the unit of work would load it
    with pytest.raises(ValidationFailed):
        event.cancel(host.id, "x" * 501, (guest.id,), at())
    assert (event.status, event.booked) == (EventStatus.SCHEDULED, 2)
