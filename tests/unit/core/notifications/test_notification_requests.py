"""Requesting notifications: stored once per dedupe key, each new one announced in the outbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.unit.support import NewUow, RegisterAccount, only

from adapters.memory import MemoryStore, SteppingClock
from core.identity.model import Account, Language
from core.notifications.model import NotificationStatus
from core.notifications.services import NotificationRequest, request_notifications
from core.notifications.templates import TEMPLATES, render
from core.shared.errors import ValidationFailed
from core.shared.outbox import OutboxMessage


async def ask(requests: list[NotificationRequest], uow: NewUow, clock: SteppingClock) -> int:
    return await request_notifications(requests, uow=uow(), clock=clock)


def cancelled(account: Account, key: str = "event.cancelled:1") -> NotificationRequest:
    return NotificationRequest(account.id, "event_cancelled", key, {"title": "Gig"})


async def test_request_stores_a_pending_notification(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, store: MemoryStore
) -> None:
    guest = await register_account()
    assert await ask([cancelled(guest)], new_uow, clock) == 1
    [stored] = store.table("notifications").values()
    assert (stored.recipient_id, stored.template, stored.dedupe_key) == (
        guest.id,
        "event_cancelled",
        "event.cancelled:1",
    )
    assert (stored.status, stored.sent_at, stored.data) == (
        NotificationStatus.PENDING,
        None,
        {"title": "Gig"},
    )


async def test_request_with_a_known_dedupe_key_stores_nothing(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, store: MemoryStore
) -> None:
    guest = await register_account()
    await ask([cancelled(guest)], new_uow, clock)
    assert await ask([cancelled(guest)], new_uow, clock) == 0
    assert len(store.table("notifications")) == 1


async def test_the_same_dedupe_key_twice_in_one_batch_is_stored_once(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, store: MemoryStore
) -> None:
    guest = await register_account()
    assert await ask([cancelled(guest), cancelled(guest)], new_uow, clock) == 1
    assert len(store.table("notifications")) == 1


async def test_different_dedupe_keys_are_different_notifications(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    ann, bob = await register_account(), await register_account()
    batch = [cancelled(ann, "k:ann"), cancelled(bob, "k:bob"), cancelled(ann, "k:ann:2")]
    assert await ask(batch, new_uow, clock) == 3


async def test_each_new_notification_records_notification_requested_once(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
    outbox: Callable[[], list[OutboxMessage]],
) -> None:
    ann, bob = await register_account(), await register_account()
    await ask([cancelled(ann, "k:ann"), cancelled(bob, "k:bob")], new_uow, clock)
    await ask([cancelled(ann, "k:ann"), cancelled(bob, "k:bob")], new_uow, clock)
    requested = only(outbox(), "notification.requested")
    assert sorted(e.notification_id for e in requested) == sorted(store.table("notifications"))


async def test_unknown_template_is_refused_and_nothing_is_stored(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
    outbox: Callable[[], list[OutboxMessage]],
) -> None:
    guest = await register_account()
    good = cancelled(guest)
    bad = NotificationRequest(guest.id, "no_such_template", "k:bad")
    with pytest.raises(ValidationFailed, match="no_such_template"):
        await ask([good, bad], new_uow, clock)
    assert store.table("notifications") == {}
    assert outbox() == []


def test_every_template_renders_a_subject_and_a_body_in_every_language() -> None:
    assert set(TEMPLATES[Language.EN]) == set(TEMPLATES[Language.RU])
    for language, templates in TEMPLATES.items():
        for name in templates:
            subject, body = render(name, {}, language)
            assert subject
            assert body


def test_render_fills_placeholders_and_marks_missing_ones() -> None:
    subject, body = render("booking_confirmed", {"title": "Gig", "seats": "2"})
    assert subject == "Booked: Gig"
    assert body == (
        "Your 2 seat(s) for Gig on ? are confirmed.\nThe event is attached for your calendar."
    )


def test_render_does_not_expand_placeholders_inside_data() -> None:
    subject, _ = render("event_changed", {"title": "{changes}", "changes": "secret"})
    assert subject == "Changed: {changes}"
