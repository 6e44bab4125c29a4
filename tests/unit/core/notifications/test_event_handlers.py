"""Event handlers turn domain events into notification requests, once, however often they run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from tests.unit.support import (
    BookHelper,
    HandlerContext,
    NewUow,
    PublishHelper,
    RegisterAccount,
    only,
)

from adapters.memory import MemoryStore, SteppingClock
from core.booking.commands import CancelBooking, CancelEvent, EditEvent
from core.booking.handlers import (
    on_booking_cancelled,
    on_booking_confirmed,
    on_event_cancelled,
    on_event_changed,
    when,
)
from core.booking.model import EventChanges
from core.booking.services import cancel_booking, cancel_event, edit_event
from core.identity.handlers import on_registration_attempted
from core.notifications.handlers import deliver
from core.shared.outbox import OutboxMessage

Outbox = Callable[[], list[OutboxMessage]]


def notifications(store: MemoryStore, template: str | None = None) -> list[Any]:
    return [
        n
        for n in store.table("notifications").values()
        if template is None or n.template == template
    ]


async def test_event_cancelled_gives_one_notification_per_guest_even_when_run_twice(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    outbox: Outbox,
    ctx: HandlerContext,
    store: MemoryStore,
) -> None:
    host, ann, bob, cid = [await register_account() for _ in range(4)]
    event = await publish(host, capacity=10)
    for guest in (ann, bob, ann, cid):
        await book(event, guest)
    await cancel_event(CancelEvent(event.id, host.id, "Rain"), uow=new_uow(), clock=clock)
    [cancelled] = only(outbox(), "event.cancelled")
    await on_event_cancelled(cancelled, ctx)
    await on_event_cancelled(cancelled, ctx)
    sent = notifications(store, "event_cancelled")
    assert sorted(n.recipient_id for n in sent) == sorted([ann.id, bob.id, cid.id])
    assert all(n.data["reason"] == "Rain" and n.data["title"] == event.details.title for n in sent)


async def test_event_cancelled_with_a_repeated_guest_id_notifies_that_guest_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    outbox: Outbox,
    ctx: HandlerContext,
    store: MemoryStore,
) -> None:
    host, ann = await register_account(), await register_account()
    event = await publish(host)
    await book(event, ann)
    await cancel_event(CancelEvent(event.id, host.id), uow=new_uow(), clock=clock)
    [cancelled] = only(outbox(), "event.cancelled")
    await on_event_cancelled(attrs.evolve(cancelled, guest_ids=(ann.id, ann.id)), ctx)
    assert len(notifications(store)) == 1


async def test_booking_confirmed_notifies_the_guest_once_with_seats_and_title(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    outbox: Outbox,
    ctx: HandlerContext,
    store: MemoryStore,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, title="Gig")
    await book(event, guest, 3)
    [confirmed] = only(outbox(), "booking.confirmed")
    await on_booking_confirmed(confirmed, ctx)
    await on_booking_confirmed(confirmed, ctx)
    [notification] = notifications(store)
    assert (notification.recipient_id, notification.template) == (guest.id, "booking_confirmed")
    assert notification.data == {
        "title": "Gig",
        "starts_at": "2030-01-08 15:00 (UTC+03:00)",  # the event's own time zone, Moscow
        "seats": "3",
        "calendar.uid": f"{event.id}.{guest.id}@stagedoor",
        "calendar.title": "Gig",
        "calendar.starts_at": event.starts_at.isoformat(),
        "calendar.ends_at": event.details.ends_at.isoformat(),
        "calendar.location": "Tverskaya 1, Moscow",
        "calendar.description": "An evening of standards",
        "calendar.sequence": "0",
        "calendar.cancelled": "",
    }


async def test_booking_cancelled_notifies_the_guest_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    outbox: Outbox,
    ctx: HandlerContext,
    store: MemoryStore,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    booking = await book(event, guest)
    await cancel_booking(CancelBooking(booking.id, guest.id), uow=new_uow(), clock=clock)
    [cancelled] = only(outbox(), "booking.cancelled")
    await on_booking_cancelled(cancelled, ctx)
    await on_booking_cancelled(cancelled, ctx)
    [notification] = notifications(store)
    assert (notification.recipient_id, notification.template) == (guest.id, "booking_cancelled")


async def test_event_changed_notifies_each_current_guest_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    outbox: Outbox,
    ctx: HandlerContext,
    store: MemoryStore,
) -> None:
    host, ann, bob, gone = [await register_account() for _ in range(4)]
    event = await publish(host)
    for guest in (ann, bob, ann):
        await book(event, guest)
    left = await book(event, gone)
    await cancel_booking(CancelBooking(left.id, gone.id), uow=new_uow(), clock=clock)
    await edit_event(
        EditEvent(event.id, host.id, EventChanges(city="Kazan", address="Bauman 2")),
        uow=new_uow(),
        clock=clock,
    )
    [changed] = only(outbox(), "event.changed")
    await on_event_changed(changed, ctx)
    await on_event_changed(changed, ctx)
    sent = notifications(store, "event_changed")
    assert sorted(n.recipient_id for n in sent) == sorted([ann.id, bob.id])
    assert (sent[0].data["change.address"], sent[0].data["change.city"]) == ("Bauman 2", "Kazan")
    assert sent[0].data["calendar.location"] == "Bauman 2, Kazan"


async def test_registration_attempt_notifies_the_owner_once(
    register_account: RegisterAccount, outbox: Outbox, ctx: HandlerContext, store: MemoryStore
) -> None:
    owner = await register_account("ada@example.org")
    await register_account("ada@example.org")
    [attempted] = only(outbox(), "account.registration_attempted")
    await on_registration_attempted(attempted, ctx)
    await on_registration_attempted(attempted, ctx)
    [notification] = notifications(store)
    assert (notification.recipient_id, notification.template) == (
        owner.id,
        "registration_attempted",
    )


async def test_notification_requested_handler_delivers_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    outbox: Outbox,
    ctx: HandlerContext,
) -> None:
    host, guest = await register_account(), await register_account()
    await book(await publish(host, title="Gig"), guest)
    [confirmed] = only(outbox(), "booking.confirmed")
    await on_booking_confirmed(confirmed, ctx)
    [requested] = only(outbox(), "notification.requested")
    await deliver(requested, ctx)
    await deliver(requested, ctx)
    [message] = ctx.notifier.sent
    assert (message.recipient_id, message.subject) == (guest.id, "Booked: Gig")


def test_times_in_messages_are_local_with_their_offset() -> None:
    kolkata = datetime(2030, 5, 1, 13, 30, tzinfo=UTC).astimezone(ZoneInfo("Asia/Kolkata"))
    assert when(kolkata) == "2030-05-01 19:00 (UTC+05:30)"
    assert when(datetime(2030, 5, 1, 13, 30, tzinfo=UTC)) == "2030-05-01 13:30 (UTC+00:00)"
