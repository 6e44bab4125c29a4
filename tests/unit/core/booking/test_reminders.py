"""Reminders a day and an hour before the start, for guests and the host, on a stepping clock:
sent once each at their moment, moved with the event, dropped with a cancellation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount, Relay

from adapters.memory import MemoryNotifier, MemoryStore, SteppingClock
from core.booking.commands import CancelBooking, CancelEvent, EditEvent
from core.booking.model import Event, EventChanges
from core.booking.reminders import Reminder, ReminderKind
from core.booking.reminding import send_due_reminders
from core.booking.services import cancel_booking, cancel_event, edit_event
from core.identity.model import Account
from core.notifications.model import Notification
from core.shared.ids import uuid7

START_IN = timedelta(days=3)


def reminders(store: MemoryStore, template: str = "reminder") -> list[Notification]:
    found = [n for n in store.table("notifications").values() if n.template == template]
    return sorted(found, key=lambda n: n.created_at)


async def run(new_uow: NewUow, clock: SteppingClock) -> int:
    return await send_due_reminders(uow=new_uow(), clock=clock)


@pytest.fixture
async def evening(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    clock: SteppingClock,
    relay: Relay,
) -> tuple[Account, Account, Event]:
    """A host, a guest with two seats, and their event three days ahead; handlers have run."""
    host, guest = await register_account(), await register_account()
    event = await publish(host, title="Film night", starts_at=clock.current + START_IN)
    await book(event, guest, 2)
    await relay.drain()
    return host, guest, event


def step_to(clock: SteppingClock, moment: object) -> None:
    clock.current = moment  # type: ignore[assignment]


async def test_each_guest_and_the_host_are_reminded_a_day_and_an_hour_before(
    evening: tuple[Account, Account, Event],
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    host, guest, event = evening
    step_to(clock, event.starts_at - timedelta(hours=24, milliseconds=5))
    assert await run(new_uow, clock) == 0
    step_to(clock, event.starts_at - timedelta(hours=24))
    assert await run(new_uow, clock) == 2
    [day] = reminders(store)
    [host_day] = reminders(store, "host_reminder")
    assert (day.recipient_id, day.data["lead"], day.data["seats"]) == (guest.id, "24h", "2")
    assert (host_day.recipient_id, host_day.data["guests"]) == (host.id, "2")
    assert day.data["title"] == "Film night"
    assert day.data["place"] == "Tverskaya 1, Moscow"
    assert day.data["calendar.uid"] == f"{event.id}.{guest.id}@stagedoor"

    step_to(clock, event.starts_at - timedelta(hours=1, milliseconds=5))
    assert await run(new_uow, clock) == 0
    step_to(clock, event.starts_at - timedelta(hours=1))
    assert await run(new_uow, clock) == 2
    assert [n.data["lead"] for n in reminders(store)] == ["24h", "1h"]
    assert await run(new_uow, clock) == 0


async def test_a_job_run_twice_or_late_sends_each_reminder_once(
    evening: tuple[Account, Account, Event],
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    _, _, event = evening
    step_to(clock, event.starts_at - timedelta(minutes=30))  # the job was down for a day
    assert await run(new_uow, clock) == 2  # "in an hour" only: "tomorrow" would be wrong now
    assert await run(new_uow, clock) == 0
    sent = reminders(store) + reminders(store, "host_reminder")
    assert [n.data["lead"] for n in sent] == ["1h", "1h"]


async def test_the_reminded_guest_gets_the_text_and_the_calendar_entry(
    evening: tuple[Account, Account, Event],
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    notifier: MemoryNotifier,
) -> None:
    _, guest, event = evening
    step_to(clock, event.starts_at - timedelta(hours=1))
    await run(new_uow, clock)
    await relay.drain()
    [message] = [m for m in notifier.sent if m.recipient_id == guest.id and "Reminder" in m.subject]
    assert message.subject == "Reminder: Film night in an hour"
    local = event.local_start
    assert message.body == (
        f"Film night starts in an hour, on {local:%Y-%m-%d %H:%M} (UTC+03:00), "
        "at Tverskaya 1, Moscow. Your seats: 2."
    )
    [entry] = message.attachments
    assert (entry.starts_at, entry.title) == (event.starts_at, "Film night")


async def test_a_booking_close_to_the_start_gets_only_the_reminders_still_ahead(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    store: MemoryStore,
) -> None:
    host = await register_account()
    soon = await publish(host, starts_at=clock.current + timedelta(hours=5))
    very_soon = await publish(host, starts_at=clock.current + timedelta(minutes=30))
    for event in (soon, very_soon):
        await book(event, await register_account())
    await relay.drain()
    step_to(clock, soon.starts_at - timedelta(minutes=1))
    assert await run(new_uow, clock) == 2  # soon: its guest and its host, in an hour
    assert [n.data["lead"] for n in reminders(store)] == ["1h"]


async def test_a_moved_event_moves_its_reminders_and_re_arms_those_already_sent(
    evening: tuple[Account, Account, Event],
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    host, _, event = evening
    step_to(clock, event.starts_at - timedelta(hours=24))
    assert await run(new_uow, clock) == 2
    later = event.starts_at + timedelta(days=2)
    changes = EventChanges(starts_at=later, ends_at=later + timedelta(hours=3))
    await edit_event(EditEvent(event.id, host.id, changes), uow=new_uow(), clock=clock)

    step_to(clock, event.starts_at - timedelta(hours=1))  # the old hour mark: nothing
    assert await run(new_uow, clock) == 0
    step_to(clock, later - timedelta(hours=24))
    assert await run(new_uow, clock) == 2
    step_to(clock, later - timedelta(hours=1))
    assert await run(new_uow, clock) == 2
    sent = reminders(store)
    assert [n.data["lead"] for n in sent] == ["24h", "24h", "1h"]
    assert len({n.dedupe_key for n in sent}) == 3


async def test_an_event_moved_nearer_settles_the_reminders_already_past(
    evening: tuple[Account, Account, Event],
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    host, _, event = evening
    sooner = clock.current + timedelta(hours=10)
    changes = EventChanges(starts_at=sooner, ends_at=sooner + timedelta(hours=2))
    await edit_event(EditEvent(event.id, host.id, changes), uow=new_uow(), clock=clock)
    step_to(clock, sooner - timedelta(hours=2))
    assert await run(new_uow, clock) == 0  # no "tomorrow" ten hours before
    step_to(clock, sooner - timedelta(hours=1))
    assert await run(new_uow, clock) == 2
    assert [n.data["lead"] for n in reminders(store)] == ["1h"]


async def test_a_cancelled_booking_or_event_is_not_reminded(
    evening: tuple[Account, Account, Event],
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    relay: Relay,
    store: MemoryStore,
) -> None:
    host, guest, event = evening
    other = await publish(host, starts_at=event.starts_at)
    leaving = await book(other, guest)
    await relay.drain()
    await cancel_booking(CancelBooking(leaving.id, guest.id), uow=new_uow(), clock=clock)
    await cancel_event(CancelEvent(event.id, host.id), uow=new_uow(), clock=clock)
    step_to(clock, event.starts_at - timedelta(minutes=30))
    assert await run(new_uow, clock) == 1  # only the host, about `other`
    [told] = reminders(store, "host_reminder")
    assert (told.recipient_id, told.data["guests"]) == (host.id, "0")
    assert reminders(store) == []


async def test_a_reminder_written_before_a_move_is_moved_not_sent(
    evening: tuple[Account, Account, Event],
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    """A late handler may write a reminder for the old start after the edit moved the rest;
    the job moves it when it falls due instead of sending it at the wrong time."""
    host, guest, event = evening
    later = event.starts_at + timedelta(days=1)
    changes = EventChanges(starts_at=later, ends_at=later + timedelta(hours=3))
    await edit_event(EditEvent(event.id, host.id, changes), uow=new_uow(), clock=clock)
    stale = Reminder(
        uuid7(clock.now()),
        uuid7(clock.now()),
        event.id,
        guest.id,
        ReminderKind.HOUR,
        event.starts_at - timedelta(hours=1),
    )
    async with new_uow() as uow:
        await uow.reminders.schedule([stale])
        await uow.commit()
    step_to(clock, event.starts_at - timedelta(hours=1))
    assert await run(new_uow, clock) == 0
    async with new_uow() as uow:
        [moved] = [r for r in uow.reminders.all() if r.id == stale.id]
    assert (moved.due_at, moved.done_at) == (later - timedelta(hours=1), None)
