"""The outbox written by commit, its claim/publish cycle, and deduplicated notifications.

Outbox tests first mark whatever earlier tests left pending as published, so that `claim`
shows exactly the messages the test itself caused.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from tests.contract.support import Make, NewUow, claim_all, drain_outbox, peek, unique_phone

from adapters.memory import SteppingClock
from core.booking.model import Event, EventChanges, Visibility
from core.identity.model import Account
from core.notifications.model import Notification, NotificationStatus
from core.shared.errors import NotFound
from core.shared.events import DomainEvent
from core.shared.ids import uuid7

# --- outbox ---------------------------------------------------------------------------------


async def test_commit_writes_every_recorded_event_to_the_outbox_intact(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, guest = await make.account(), await make.account()
    await drain_outbox(new_uow, clock.now())
    details = make.details(title="Концерт", starts_at=make.later(days=9, microseconds=123))

    async with new_uow() as uow:
        account = await uow.accounts.get(host.id)
        account.verify_phone(unique_phone(), clock.now())
        account.note_registration_attempt(clock.now())
        event = Event.publish(host.id, details, 5, Visibility.PUBLIC, None, clock.now())
        event.edit(host.id, EventChanges(title="Концерт «Ночь»", capacity=6), clock.now())
        booking = event.book(guest.id, 2, clock.now())
        booking.cancel(guest.id, event, clock.now())
        event.cancel(host.id, "гроза", (guest.id,), clock.now())
        notification = Notification.request(
            guest.id, "event_cancelled", f"cancelled:{event.id}", {"title": "Ночь"}, clock.now()
        )
        expected = sorted(
            [*peek(account), *peek(event), *peek(booking), *peek(notification)],
            key=lambda e: (e.occurred_at, e.event_id),
        )
        await uow.accounts.save(account)
        await uow.events.add(event)
        await uow.bookings.add(booking)
        assert await uow.notifications.add_if_absent(notification) is True
        await uow.commit()

    claimed = await claim_all(new_uow)
    # Events recorded at one instant sort by their random-tailed ids: compare as a multiset.
    assert sorted(m.event.name for m in claimed) == sorted(
        [
            "account.phone_verified",
            "account.registration_attempted",
            "event.published",
            "availability.changed",  # resized
            "event.changed",
            "availability.changed",  # booked
            "booking.confirmed",
            "availability.changed",  # released
            "booking.cancelled",
            "availability.changed",  # cancelled
            "event.cancelled",
            "notification.requested",
        ]
    )
    assert [type(m.event) for m in claimed] == [type(e) for e in expected]
    assert [m.event for m in claimed] == expected
    async with new_uow() as uow:
        fetched = [await uow.outbox.get(m.id) for m in claimed]
    assert fetched == claimed


async def test_leaving_without_commit_writes_neither_rows_nor_outbox(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    await drain_outbox(new_uow, clock.now())
    event = Event.publish(host.id, make.details(), 5, Visibility.PUBLIC, None, clock.now())

    async with new_uow() as uow:
        await uow.events.add(event)
        stored = await uow.accounts.get(host.id)
        stored.verify_phone(unique_phone(), clock.now())
        await uow.accounts.save(stored)

    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.events.get(event.id)
        assert (await uow.accounts.get(host.id)).phone_verified_at is None
    assert await claim_all(new_uow) == []


async def add_then_fail(new_uow: NewUow, event: Event) -> None:
    async with new_uow() as uow:
        await uow.events.add(event)
        raise RuntimeError("boom")


async def test_an_error_inside_the_unit_of_work_writes_nothing(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    await drain_outbox(new_uow, clock.now())
    event = Event.publish(host.id, make.details(), 5, Visibility.PUBLIC, None, clock.now())

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail(new_uow, event)

    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.events.get(event.id)
    assert await claim_all(new_uow) == []


async def publish_events(make: Make, host: Account, count: int) -> list[DomainEvent]:
    """Publish `count` events, one commit each; their EventPublished facts, oldest first."""
    published: list[DomainEvent] = []
    for _ in range(count):
        event = Event.publish(host.id, make.details(), 5, Visibility.PUBLIC, None, make.clock.now())
        published.extend(peek(event))
        async with make.new_uow() as uow:
            await uow.events.add(event)
            await uow.commit()
    return published


async def test_claim_returns_unpublished_messages_oldest_first_up_to_the_limit(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    await drain_outbox(new_uow, clock.now())
    published = await publish_events(make, host, 5)

    async with new_uow() as uow:
        first_three = await uow.outbox.claim(3)
    async with new_uow() as uow:
        one = await uow.outbox.claim(1)

    assert [m.event for m in first_three] == published[:3]
    assert [m.event for m in one] == published[:1]
    assert [m.event for m in await claim_all(new_uow)] == published


async def test_mark_published_removes_messages_from_claim(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    await drain_outbox(new_uow, clock.now())
    published = await publish_events(make, host, 3)

    async with new_uow() as uow:
        claimed = await uow.outbox.claim(2)
        await uow.outbox.mark_published([m.id for m in claimed], clock.now())
        await uow.commit()

    remaining = await claim_all(new_uow)
    assert [m.event for m in remaining] == published[2:]


async def relay_batch(new_uow: NewUow, limit: int, now: datetime) -> list[DomainEvent]:
    """What one relay does: claim a batch, mark it published, commit."""
    async with new_uow() as uow:
        claimed = await uow.outbox.claim(limit)
        await uow.outbox.mark_published([m.id for m in claimed], now)
        await uow.commit()
    return [m.event for m in claimed]


async def test_concurrent_relays_never_claim_a_message_twice(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    await drain_outbox(new_uow, clock.now())
    published = await publish_events(make, host, 6)

    batches = await asyncio.gather(*(relay_batch(new_uow, 2, clock.now()) for _ in range(3)))

    claimed = sorted((e for batch in batches for e in batch), key=lambda e: e.event_id)
    assert claimed == sorted(published, key=lambda e: e.event_id)
    assert await claim_all(new_uow) == []


async def test_mark_published_without_commit_leaves_messages_pending(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    await drain_outbox(new_uow, clock.now())
    published = await publish_events(make, host, 2)

    async with new_uow() as uow:
        claimed = await uow.outbox.claim(10)
        await uow.outbox.mark_published([m.id for m in claimed], clock.now())

    assert [m.event for m in await claim_all(new_uow)] == published


async def test_a_published_message_can_still_be_read_by_id(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    await drain_outbox(new_uow, clock.now())
    [fact] = await publish_events(make, host, 1)
    [message] = await claim_all(new_uow)
    await drain_outbox(new_uow, clock.now())

    async with new_uow() as uow:
        again = await uow.outbox.get(message.id)
        with pytest.raises(NotFound):
            await uow.outbox.get(uuid7(clock.now()))

    assert again == message
    assert again.event == fact
    assert await claim_all(new_uow) == []


# --- notifications --------------------------------------------------------------------------


def notification(recipient: Account, dedupe_key: str, clock: SteppingClock) -> Notification:
    return Notification.request(
        recipient.id,
        "booking_confirmed",
        dedupe_key,
        {"title": "Вечер джаза", "seats": "2", "starts_at": "2030-01-08T12:00:00+00:00"},
        clock.now(),
    )


async def test_add_if_absent_stores_a_dedupe_key_once(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    guest = await make.account()
    key = f"booking.confirmed:{uuid7(clock.now())}:{guest.id}"
    first = notification(guest, key, clock)
    async with new_uow() as uow:
        assert await uow.notifications.add_if_absent(first) is True
        await uow.commit()

    repeat = notification(guest, key, clock)
    async with new_uow() as uow:
        assert await uow.notifications.add_if_absent(repeat) is False
        await uow.commit()

    async with new_uow() as uow:
        stored = await uow.notifications.get_for_update(first.id)
        with pytest.raises(NotFound):
            await uow.notifications.get_for_update(repeat.id)
    assert stored == first
    assert stored.data == {
        "title": "Вечер джаза",
        "seats": "2",
        "starts_at": "2030-01-08T12:00:00+00:00",
    }
    assert stored.status is NotificationStatus.PENDING
    assert stored.sent_at is None


async def test_add_if_absent_dedupes_within_one_unit_of_work(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    guest = await make.account()
    key = f"reminder:{uuid7(clock.now())}"
    async with new_uow() as uow:
        answers = [
            await uow.notifications.add_if_absent(notification(guest, key, clock)),
            await uow.notifications.add_if_absent(notification(guest, key, clock)),
            await uow.notifications.add_if_absent(notification(guest, f"{key}:other", clock)),
        ]
        await uow.commit()

    assert answers == [True, False, True]


async def test_saving_a_notification_stores_status_and_sent_at(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    guest = await make.account()
    made = notification(guest, f"sent:{uuid7(clock.now())}", clock)
    async with new_uow() as uow:
        await uow.notifications.add_if_absent(made)
        await uow.commit()

    sent_at = clock.now()
    async with new_uow() as uow:
        stored = await uow.notifications.get_for_update(made.id)
        stored.mark_sent(sent_at)
        await uow.notifications.save(stored)
        await uow.commit()

    async with new_uow() as uow:
        loaded = await uow.notifications.get_for_update(made.id)
    assert loaded.status is NotificationStatus.SENT
    assert loaded.sent_at == sent_at
    assert loaded.dedupe_key == made.dedupe_key
    assert loaded.data == made.data


async def test_pending_notifications_are_claimed_oldest_first_once_and_marked_sent(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    guest = await make.account()
    made = [notification(guest, f"pending:{uuid7(clock.now())}", clock) for _ in range(3)]
    for one in made:
        async with new_uow() as uow:
            await uow.notifications.add_if_absent(one)
            await uow.commit()
    async with new_uow() as uow:  # whatever earlier tests left pending goes first
        claimed = [n.id for n in await uow.notifications.claim_pending(1000)]
        await uow.notifications.mark_sent(claimed, clock.now())
        await uow.commit()
    assert [i for i in claimed if i in {m.id for m in made}] == [m.id for m in made]
    async with new_uow() as uow:
        assert await uow.notifications.claim_pending(1000) == []
        stored = await uow.notifications.get_for_update(made[0].id)
    assert stored.status is NotificationStatus.SENT
    assert stored.sent_at is not None
