"""The outbox: domain events stored with the change that caused them, then relayed.

The relay claims unpublished messages and hands each (message, handler) pair to a queue; a
worker later runs that handler. Delivery is at least once, so handlers are idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import attrs

from core.shared.events import DomainEvent, Handler
from core.shared.uow import UnitOfWork


@attrs.frozen
class OutboxMessage:
    id: UUID
    event: DomainEvent
    created_at: datetime


class Outbox(Protocol):
    async def claim(self, limit: int) -> list[OutboxMessage]:
        """Unpublished messages, oldest first, locked so that a parallel relay skips them."""
        ...

    async def mark_published(self, ids: Sequence[UUID], now: datetime) -> None: ...

    async def get(self, message_id: UUID) -> OutboxMessage: ...


class OutboxUnitOfWork(UnitOfWork, Protocol):
    outbox: Outbox


def handler_key(handler: Handler) -> str:
    """A stable name for a handler, carried in queue messages instead of the function.

    A handler object may name itself with a `handler_key` attribute (plugins' handlers do).
    """
    named = getattr(handler, "handler_key", None)
    if isinstance(named, str):
        return named
    return f"{handler.__module__}:{handler.__qualname__}"


Publish = Callable[[UUID, str], Awaitable[None]]
"""Queue one handler run: (outbox message id, handler key)."""


async def relay_once(
    *,
    uow: OutboxUnitOfWork,
    handlers: Mapping[str, Sequence[Handler]],
    publish: Publish,
    now: datetime,
    limit: int = 100,
) -> int:
    """Publish one batch of pending messages; returns how many messages were claimed.

    A message with no handlers is simply marked published. If publishing fails the
    transaction rolls back and the whole batch is claimed again later.
    """
    async with uow:
        messages = await uow.outbox.claim(limit)
        for message in messages:
            for handler in handlers.get(message.event.name, ()):
                await publish(message.id, handler_key(handler))
        await uow.outbox.mark_published([m.id for m in messages], now)
        await uow.commit()
    return len(messages)


async def run_handler(
    message_id: UUID,
    key: str,
    *,
    uow: OutboxUnitOfWork,
    handlers: Mapping[str, Sequence[Handler]],
    ctx: Any,
) -> None:
    """Run one handler for one stored event; unknown keys are an error worth retrying never."""
    async with uow:
        message = await uow.outbox.get(message_id)
    for handler in handlers.get(message.event.name, ()):
        if handler_key(handler) == key:
            await handler(message.event, ctx)
            return
    raise LookupError(f"no handler {key!r} for {message.event.name!r}")
