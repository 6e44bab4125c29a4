"""End to end in memory: a cancelled event reaches each guest exactly once through the outbox."""

from __future__ import annotations

from uuid import UUID

import pytest
from tests.unit.support import (
    BookHelper,
    NewUow,
    PublishHelper,
    RegisterAccount,
    Relay,
    pending_outbox,
)

from adapters.memory import MemoryNotifier, MemoryStore, SteppingClock
from core.booking.commands import CancelEvent
from core.booking.model import Event
from core.booking.services import cancel_event
from core.identity.model import Account
from core.shared.outbox import handler_key


@pytest.fixture
async def party(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    relay: Relay,
    notifier: MemoryNotifier,
) -> tuple[Account, list[Account], Event]:
    """A host, three guests booked on one event, and every earlier message already delivered."""
    host = await register_account(full_name="Host")
    guests = [await register_account(full_name=f"Guest {n}") for n in range(3)]
    event = await publish(host, title="Gig", capacity=10)
    for guest in guests:
        await book(event, guest, 2)
    await relay.drain()
    assert len(notifier.sent) == 3  # the booking confirmations
    notifier.sent.clear()
    return host, guests, event


async def test_cancelling_an_event_notifies_each_guest_exactly_once(
    party: tuple[Account, list[Account], Event],
    relay: Relay,
    new_uow: NewUow,
    clock: SteppingClock,
    notifier: MemoryNotifier,
    store: MemoryStore,
) -> None:
    host, guests, event = party
    await cancel_event(CancelEvent(event.id, host.id, "Rain"), uow=new_uow(), clock=clock)

    assert await relay.relay() == 2  # event.cancelled and availability.changed
    cancelled_jobs, relay.queued = relay.queued, []
    assert sorted(key for _, key in cancelled_jobs) == [
        "core.booking.handlers:on_event_cancelled",
        "core.booking.handlers:refund_cancelled_event",  # a free event: nothing to refund
        "core.partners.pushes:owe_availability",  # no partner here: nothing owed
        "core.resale.handlers:on_event_cancelled",  # no listings to withdraw
    ]
    await relay.run(cancelled_jobs)

    assert await relay.relay() == 3
    delivery_jobs, relay.queued = relay.queued, []
    assert {key for _, key in delivery_jobs} == {"core.notifications.handlers:deliver"}
    await relay.run(delivery_jobs)

    assert sorted(m.recipient_id for m in notifier.sent) == sorted(g.id for g in guests)
    assert all(m.subject == "Cancelled: Gig" for m in notifier.sent)
    assert pending_outbox(store) == []

    # At least once delivery: every job runs again, and the relay finds nothing new.
    await relay.run(cancelled_jobs)
    await relay.run(delivery_jobs)
    assert await relay.relay() == 0
    await relay.run(cancelled_jobs + delivery_jobs)
    assert len(notifier.sent) == 3


async def test_a_notifier_outage_is_healed_by_retrying_the_delivery_job(
    party: tuple[Account, list[Account], Event],
    relay: Relay,
    new_uow: NewUow,
    clock: SteppingClock,
    notifier: MemoryNotifier,
) -> None:
    host, guests, event = party
    await cancel_event(CancelEvent(event.id, host.id), uow=new_uow(), clock=clock)
    await relay.relay()
    jobs, relay.queued = relay.queued, []
    await relay.run(jobs)
    await relay.relay()
    deliveries, relay.queued = relay.queued, []

    notifier.fail_next = 1
    failed: list[tuple[UUID, str]] = []
    for job in deliveries:
        try:
            await relay.run([job])
        except ConnectionError:
            failed.append(job)
    assert len(failed) == 1
    # the next run sent the whole pending batch, the one that failed among them
    assert sorted(m.recipient_id for m in notifier.sent) == sorted(g.id for g in guests)

    await relay.run(failed)
    await relay.run(deliveries)
    assert sorted(m.recipient_id for m in notifier.sent) == sorted(g.id for g in guests)


async def test_drain_runs_every_handler_once_per_message(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    relay: Relay,
    notifier: MemoryNotifier,
) -> None:
    host, guest = await register_account(), await register_account()
    await book(await publish(host), guest)
    ran = await relay.drain()
    assert len(ran) == len(set(ran))
    assert handler_key(relay.handlers["booking.confirmed"][0]) in {key for _, key in ran}
    assert len(notifier.sent) == 1
    assert await relay.drain() == []
