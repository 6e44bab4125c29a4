"""The outbox relay: every (message, handler) pair is queued once; failures leave it pending."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest

from adapters.memory import MemoryStore, MemoryUnitOfWork, SteppingClock
from core.booking.model import Event as LiveEvent
from core.booking.model import EventDetails, Visibility
from core.identity.model import AccountId
from core.shared.errors import NotFound
from core.shared.events import DomainEvent
from core.shared.ids import uuid7
from core.shared.outbox import OutboxMessage, handler_key, relay_once, run_handler


@attrs.frozen(kw_only=True)
class Pinged(DomainEvent):
    name = "test.pinged"
    n: int = 0


@attrs.frozen(kw_only=True)
class Ignored(DomainEvent):
    name = "test.ignored"


calls: list[tuple[str, Any, Any]] = []


async def first(event: Any, ctx: Any) -> None:
    calls.append(("first", event, ctx))


async def second(event: Any, ctx: Any) -> None:
    calls.append(("second", event, ctx))


HANDLERS = {Pinged.name: [first, second]}


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    calls.clear()


Write = Callable[..., Any]


@pytest.fixture
def write(store: MemoryStore, clock: SteppingClock) -> Write:
    """Commit domain events straight into the outbox, one transaction per call."""

    async def _write(*events: DomainEvent) -> list[UUID]:
        uow = MemoryUnitOfWork(store)
        async with uow:
            for event in events:
                uow.outbox.write(OutboxMessage(event.event_id, event, event.occurred_at))
            await uow.commit()
        return [e.event_id for e in events]

    return _write


def pinged(now: datetime, n: int = 0) -> Pinged:
    return Pinged(event_id=uuid7(now), occurred_at=now, n=n)


class Collector:
    def __init__(self, fail_on: int | None = None) -> None:
        self.published: list[tuple[UUID, str]] = []
        self.fail_on = fail_on

    async def __call__(self, message_id: UUID, key: str) -> None:
        if self.fail_on is not None and len(self.published) == self.fail_on:
            raise ConnectionError("queue is down")
        self.published.append((message_id, key))


async def relay(store: MemoryStore, publish: Collector, now: datetime, limit: int = 100) -> int:
    return await relay_once(
        uow=MemoryUnitOfWork(store), handlers=HANDLERS, publish=publish, now=now, limit=limit
    )


def pending(store: MemoryStore) -> list[OutboxMessage]:
    return MemoryUnitOfWork(store).outbox.pending()


def test_handler_key_names_module_and_function() -> None:
    assert handler_key(first) == f"{__name__}:first"


async def test_relay_publishes_every_handler_of_every_message(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    ids = await write(pinged(clock.now(), 1), pinged(clock.now(), 2))
    publish = Collector()
    assert await relay(store, publish, clock.now()) == 2
    keys = [handler_key(first), handler_key(second)]
    assert publish.published == [(m, k) for m in ids for k in keys]
    assert calls == []  # relaying only queues; handlers run later


async def test_relayed_messages_are_marked_published_and_not_claimed_again(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    await write(pinged(clock.now()))
    publish = Collector()
    await relay(store, publish, clock.now())
    assert pending(store) == []
    assert await relay(store, publish, clock.now()) == 0
    assert len(publish.published) == 2


async def test_message_without_handlers_is_marked_published(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    now = clock.now()
    await write(Ignored(event_id=uuid7(now), occurred_at=now))
    publish = Collector()
    assert await relay(store, publish, clock.now()) == 1
    assert publish.published == []
    assert pending(store) == []


async def test_publish_failure_rolls_back_so_the_batch_is_claimed_again(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    ids = await write(pinged(clock.now(), 1), pinged(clock.now(), 2))
    with pytest.raises(ConnectionError):
        await relay(store, Collector(fail_on=3), clock.now())
    assert sorted(m.id for m in pending(store)) == sorted(ids)
    retry = Collector()
    assert await relay(store, retry, clock.now()) == 2
    assert len(retry.published) == 4
    assert pending(store) == []


async def test_relay_claims_at_most_limit_messages_oldest_first(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    ids = await write(*(pinged(clock.now(), n) for n in range(3)))
    publish = Collector()
    assert await relay(store, publish, clock.now(), limit=2) == 2
    assert [m for m, _ in publish.published] == [ids[0], ids[0], ids[1], ids[1]]
    assert [m.id for m in pending(store)] == [ids[2]]
    assert await relay(store, publish, clock.now(), limit=2) == 1
    assert await relay(store, publish, clock.now(), limit=2) == 0


async def test_run_handler_runs_only_the_named_handler_with_the_event_and_ctx(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    event = pinged(clock.now(), 7)
    [message_id] = await write(event)
    ctx = object()
    await run_handler(
        message_id, handler_key(second), uow=MemoryUnitOfWork(store), handlers=HANDLERS, ctx=ctx
    )
    assert calls == [("second", event, ctx)]


async def test_run_handler_for_each_published_pair_calls_each_handler_once(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    await write(pinged(clock.now(), 1), pinged(clock.now(), 2))
    publish = Collector()
    await relay(store, publish, clock.now())
    for message_id, key in publish.published:
        await run_handler(message_id, key, uow=MemoryUnitOfWork(store), handlers=HANDLERS, ctx=None)
    assert sorted((name, event.n) for name, event, _ in calls) == [
        ("first", 1),
        ("first", 2),
        ("second", 1),
        ("second", 2),
    ]


async def test_run_handler_with_an_unknown_key_raises_lookup_error(
    store: MemoryStore, clock: SteppingClock, write: Write
) -> None:
    [message_id] = await write(pinged(clock.now()))
    with pytest.raises(LookupError, match="no handler"):
        await run_handler(
            message_id, "nowhere:nothing", uow=MemoryUnitOfWork(store), handlers=HANDLERS, ctx=None
        )
    assert calls == []


async def test_run_handler_for_a_missing_message_is_not_found(
    store: MemoryStore, clock: SteppingClock
) -> None:
    with pytest.raises(NotFound):
        await run_handler(
            uuid7(clock.now()),
            handler_key(first),
            uow=MemoryUnitOfWork(store),
            handlers=HANDLERS,
            ctx=None,
        )


async def test_commit_writes_recorded_events_to_the_outbox_and_rollback_does_not(
    store: MemoryStore, clock: SteppingClock
) -> None:
    now = clock.now()
    details = EventDetails(
        "Talk", "", now + timedelta(days=1), now + timedelta(days=1, hours=1), "Paris", ""
    )
    kept = LiveEvent.publish(AccountId(uuid7(now)), details, 5, Visibility.PUBLIC, None, now)
    dropped = LiveEvent.publish(AccountId(uuid7(now)), details, 5, Visibility.PUBLIC, None, now)
    uow = MemoryUnitOfWork(store)
    async with uow:
        await uow.events.add(dropped)  # left without commit: rolled back
    async with uow:
        await uow.events.add(kept)
        await uow.commit()
    [message] = pending(store)
    assert message.event.name == "event.published"
    assert message.event.live_event_id == kept.id
