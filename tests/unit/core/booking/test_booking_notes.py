"""What a guest is told when a booking is cancelled or lapses, or its event changes or is called
off: one note per guest and fact, with the event's title and its start in its own time zone."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.support import (
    HOLD_TERMS,
    BookHelper,
    NewUow,
    PublishHelper,
    RegisterAccount,
    Relay,
)

from adapters.memory import MemoryNotifier, MemoryStore, SteppingClock
from core.booking.commands import BookSeats, CancelBooking, CancelEvent, EditEvent
from core.booking.handlers import when
from core.booking.model import EventChanges
from core.booking.services import book_seats, cancel_booking, cancel_event, edit_event
from core.notifications.model import Notification
from core.payments.services import expire_payments
from core.shared.money import Money


def notes(store: MemoryStore, template: str) -> list[Notification]:
    return [n for n in store.table("notifications").values() if n.template == template]


async def test_a_cancelled_booking_is_noted_once_with_title_and_local_start(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    store: MemoryStore,
    notifier: MemoryNotifier,
) -> None:
    guest = await register_account()
    event = await publish(await register_account(), title="Jazz at noon")
    booking = await book(event, guest)
    await relay.drain()
    await cancel_booking(CancelBooking(booking.id, guest.id), uow=new_uow(), clock=clock)
    await relay.drain()

    [note] = notes(store, "booking_cancelled")
    assert (note.recipient_id, note.dedupe_key) == (guest.id, f"booking.cancelled:{booking.id}")
    local = event.local_start
    assert note.data == {"title": "Jazz at noon", "starts_at": when(local)}
    assert note.data["starts_at"] == f"{local:%Y-%m-%d %H:%M} (UTC+03:00)"  # Moscow time
    assert [m.subject for m in notifier.sent][-1] == "Booking cancelled: Jazz at noon"


async def test_a_lapsed_hold_is_noted_once_with_title_and_local_start(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    store: MemoryStore,
    notifier: MemoryNotifier,
) -> None:
    guest = await register_account()
    event = await publish(
        await register_account(), title="Quartet", price=Money(50_000, "RUB"), time_zone="UTC"
    )
    booking, _ = await book_seats(
        BookSeats(event.id, guest.id, 1), uow=new_uow(), clock=clock, terms=HOLD_TERMS
    )
    clock.advance(HOLD_TERMS.hold)
    await expire_payments(uow=new_uow(), clock=clock)
    await relay.drain()
    await relay.drain()

    [note] = notes(store, "booking_expired")
    assert (note.recipient_id, note.dedupe_key) == (guest.id, f"booking.expired:{booking.id}")
    assert note.data == {
        "title": "Quartet",
        "starts_at": f"{event.starts_at:%Y-%m-%d %H:%M} (UTC+00:00)",
    }
    assert [m.subject for m in notifier.sent] == ["Not booked: Quartet"]


async def test_guests_of_a_called_off_event_are_told_its_title_local_start_and_reason(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    store: MemoryStore,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, title="Jazz at noon")
    await book(event, guest)
    await cancel_event(CancelEvent(event.id, host.id, "the roof leaks"), uow=new_uow(), clock=clock)
    await relay.drain()

    [note] = notes(store, "event_cancelled")
    assert note.recipient_id == guest.id
    assert note.data == {
        "title": "Jazz at noon",
        "starts_at": when(event.local_start),
        "reason": "the roof leaks",
    }


async def test_guests_of_a_changed_event_are_told_its_new_title_and_what_changed(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    store: MemoryStore,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, title="Jazz at noon", capacity=10)
    await book(event, guest)
    changes = EventChanges(title="Jazz at one", capacity=12)
    await edit_event(EditEvent(event.id, host.id, changes), uow=new_uow(), clock=clock)
    await relay.drain()

    [note] = notes(store, "event_changed")
    assert note.recipient_id == guest.id
    told = {k: v for k, v in note.data.items() if not k.startswith("calendar.")}
    assert told == {"title": "Jazz at one", "change.capacity": "12", "change.title": "Jazz at one"}
    assert note.data["calendar.uid"] == f"{event.id}.{guest.id}@stagedoor"  # the title moved


async def test_a_new_start_is_told_in_the_events_time_zone_with_a_calendar_update(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    store: MemoryStore,
    notifier: MemoryNotifier,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host, title="Jazz")
    await book(event, guest)
    await relay.drain()
    clock.advance(timedelta(minutes=5))
    later = event.starts_at + timedelta(hours=2)
    await edit_event(
        EditEvent(
            event.id, host.id, EventChanges(starts_at=later, ends_at=later + timedelta(hours=3))
        ),
        uow=new_uow(),
        clock=clock,
    )
    await relay.drain()

    [note] = notes(store, "event_changed")
    local = later.astimezone(event.local_start.tzinfo)
    assert note.data["change.starts_at"] == f"{local:%Y-%m-%d %H:%M} (UTC+03:00)"
    assert note.data["calendar.starts_at"] == later.isoformat()
    [confirmed] = notes(store, "booking_confirmed")
    assert int(note.data["calendar.sequence"]) > int(confirmed.data["calendar.sequence"])
    message = notifier.sent[-1]
    assert message.subject == "Changed: Jazz"
    assert f"- Starts: {local:%Y-%m-%d %H:%M} (UTC+03:00)" in message.body
    [entry] = message.attachments
    assert (entry.starts_at, entry.uid) == (later, note.data["calendar.uid"])


async def test_a_changed_capacity_alone_sends_no_calendar_entry(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    notifier: MemoryNotifier,
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    await book(event, guest)
    changes = EventChanges(capacity=20)
    await edit_event(EditEvent(event.id, host.id, changes), uow=new_uow(), clock=clock)
    await relay.drain()
    changed = [m for m in notifier.sent if m.subject.startswith("Changed")]
    assert [m.attachments for m in changed] == [()]
    assert "- Seats in total: 20" in changed[0].body
