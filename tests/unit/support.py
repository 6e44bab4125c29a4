"""Plain helpers shared by the unit tests; the fixtures that build them live in conftest.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

import attrs

from adapters.memory import MemoryNotifier, MemoryStore, MemoryUnitOfWork, SteppingClock
from core.booking.model import Booking, Event, EventDetails
from core.identity.model import Account
from core.shared.events import Handler
from core.shared.outbox import OutboxMessage, relay_once, run_handler

TEST_PHONE = "+79990000001"
TEST_CODE = "123456"
OTHER_PHONE = "+79990000002"
OTHER_CODE = "654321"
PASSWORD = "correct horse battery"

RegisterAccount = Callable[..., Awaitable[Account]]
DetailsFactory = Callable[..., EventDetails]
PublishHelper = Callable[..., Awaitable[Event]]
BookHelper = Callable[..., Awaitable[Booking]]
NewUow = Callable[[], MemoryUnitOfWork]


@attrs.define
class HandlerContext:
    """What the event handlers of every domain ask for: a clock, a notifier, units of work."""

    clock: SteppingClock
    notifier: MemoryNotifier
    store: MemoryStore
    payment_providers: dict[str, Any] = attrs.field(factory=dict)

    def new_uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)


def pending_outbox(store: MemoryStore) -> list[OutboxMessage]:
    """Unpublished outbox messages, oldest first."""
    return sorted(MemoryUnitOfWork(store).outbox.pending(), key=lambda m: m.id)


@attrs.define
class Relay:
    """The outbox run in memory: relay_once queues (message id, handler key) pairs in `queued`,
    `run` hands each pair to run_handler, `drain` repeats both until nothing is pending."""

    ctx: HandlerContext
    handlers: Mapping[str, Sequence[Handler]]
    queued: list[tuple[UUID, str]] = attrs.field(factory=list)

    async def relay(self) -> int:
        async def publish(message_id: UUID, key: str) -> None:
            self.queued.append((message_id, key))

        return await relay_once(
            uow=self.ctx.new_uow(),
            handlers=self.handlers,
            publish=publish,
            now=self.ctx.clock.now(),
        )

    async def run(self, jobs: Sequence[tuple[UUID, str]]) -> None:
        for message_id, key in jobs:
            await run_handler(
                message_id, key, uow=self.ctx.new_uow(), handlers=self.handlers, ctx=self.ctx
            )

    async def drain(self) -> list[tuple[UUID, str]]:
        """Relay and run handlers until the outbox is empty; every job that ran, in order."""
        ran: list[tuple[UUID, str]] = []
        while await self.relay():
            jobs, self.queued = self.queued, []
            await self.run(jobs)
            ran.extend(jobs)
        return ran


def names(messages: Sequence[OutboxMessage]) -> list[str]:
    return [m.event.name for m in messages]


def only(messages: Sequence[OutboxMessage], name: str) -> list[Any]:
    """The events of one name among outbox messages."""
    return [m.event for m in messages if m.event.name == name]
