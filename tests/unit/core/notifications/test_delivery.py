"""Delivering a notification: sent once and marked sent; a failed send stays pending for retry."""

from __future__ import annotations

from uuid import UUID

import pytest
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import MemoryNotifier, MemoryStore, SteppingClock
from core.notifications.model import Message, NotificationStatus
from core.notifications.services import (
    NotificationRequest,
    deliver_notification,
    deliver_pending,
    request_notifications,
)
from core.shared.errors import NotFound
from core.shared.ids import uuid7


async def deliver(
    notification_id: UUID, uow: NewUow, notifier: MemoryNotifier, clock: SteppingClock
) -> bool:
    return await deliver_notification(notification_id, uow=uow(), notifier=notifier, clock=clock)


@pytest.fixture
async def pending_id(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, store: MemoryStore
) -> UUID:
    """One pending 'event cancelled' notification for Ann."""
    ann = await register_account("ann@example.org", full_name="Ann Smith")
    await request_notifications(
        [
            NotificationRequest(
                ann.id,
                "event_cancelled",
                "event.cancelled:e1:ann",
                {"title": "Gig", "starts_at": "2030-01-08", "reason": "Rain."},
            )
        ],
        uow=new_uow(),
        clock=clock,
    )
    [notification_id] = store.table("notifications")
    return notification_id  # type: ignore[no-any-return]


async def test_deliver_sends_the_rendered_message_to_the_recipient(
    pending_id: UUID, new_uow: NewUow, notifier: MemoryNotifier, clock: SteppingClock
) -> None:
    assert await deliver(pending_id, new_uow, notifier, clock) is True
    [message] = notifier.sent
    assert (message.to_name, message.to_email) == ("Ann Smith", "ann@example.org")
    assert message.subject == "Cancelled: Gig"
    assert message.body == "The host cancelled Gig planned for 2030-01-08. Rain."
    assert message.dedupe_key == "event.cancelled:e1:ann"


async def test_delivered_notification_is_marked_sent(
    pending_id: UUID,
    new_uow: NewUow,
    notifier: MemoryNotifier,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    await deliver(pending_id, new_uow, notifier, clock)
    stored = store.table("notifications")[pending_id]
    assert stored.status is NotificationStatus.SENT
    assert stored.sent_at is not None


async def test_second_delivery_sends_nothing_and_returns_false(
    pending_id: UUID, new_uow: NewUow, notifier: MemoryNotifier, clock: SteppingClock
) -> None:
    await deliver(pending_id, new_uow, notifier, clock)
    assert await deliver(pending_id, new_uow, notifier, clock) is False
    assert len(notifier.sent) == 1


async def test_failed_send_leaves_the_notification_pending_and_a_retry_sends_it(
    pending_id: UUID,
    new_uow: NewUow,
    notifier: MemoryNotifier,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    notifier.fail_next = 1
    with pytest.raises(ConnectionError):
        await deliver(pending_id, new_uow, notifier, clock)
    assert notifier.sent == []
    assert store.table("notifications")[pending_id].status is NotificationStatus.PENDING
    assert await deliver(pending_id, new_uow, notifier, clock) is True
    assert len(notifier.sent) == 1
    assert store.table("notifications")[pending_id].status is NotificationStatus.SENT


async def test_delivering_an_unknown_notification_is_not_found(
    new_uow: NewUow, notifier: MemoryNotifier, clock: SteppingClock
) -> None:
    with pytest.raises(NotFound):
        await deliver(uuid7(clock.now()), new_uow, notifier, clock)
    assert notifier.sent == []


async def test_pending_notifications_go_out_in_batches_and_a_failure_keeps_the_rest(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    ann = await register_account("ann@example.org")
    for n in range(5):  # one at a time: their ids are in this order
        await request_notifications(
            [NotificationRequest(ann.id, "booking_cancelled", f"c:{n}", {"title": f"Gig {n}"})],
            uow=new_uow(),
            clock=clock,
        )

    class ThirdFails(MemoryNotifier):
        async def send(self, message: Message) -> None:
            if len(self.sent) == 2 and not self.fail_next:
                self.fail_next = -1  # once
                raise ConnectionError("the mail server hung up")
            await super().send(message)

    flaky = ThirdFails()
    with pytest.raises(ConnectionError):
        await deliver_pending(uow=new_uow(), notifier=flaky, clock=clock, limit=2)
    assert [m.subject for m in flaky.sent] == [
        "Booking cancelled: Gig 0",
        "Booking cancelled: Gig 1",
    ]
    assert await deliver_pending(uow=new_uow(), notifier=flaky, clock=clock, limit=2) == 3
    assert await deliver_pending(uow=new_uow(), notifier=flaky, clock=clock, limit=2) == 0
    assert [m.dedupe_key for m in flaky.sent] == [f"c:{n}" for n in range(5)]
