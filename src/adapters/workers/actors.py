"""The outbox actors: one relays stored events to the queue, the other runs one handler.

Messages carry only an outbox message id and a handler key; the event itself is read from the
outbox when the handler runs. Delivery is at least once (a relay that dies after publishing
but before committing publishes again), so every handler is idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import attrs
import dramatiq
import structlog
from dramatiq.broker import Broker, MessageProxy
from dramatiq.middleware import Middleware

from adapters.workers.inprocess import run_jobs
from core.shared.clock import Clock
from core.shared.events import Handler
from core.shared.outbox import OutboxUnitOfWork, relay_once, run_handler

log = structlog.get_logger("stagedoor.worker")

RELAY_QUEUE = "stagedoor_relay"
HANDLER_QUEUE = "stagedoor_handlers"
RELAY_ACTOR = "relay_outbox"
HANDLER_ACTOR = "run_outbox_handler"


class WorkerContext(Protocol):
    """What the actors need from the worker's platform (the composition root's container)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def handlers(self) -> Mapping[str, Sequence[Handler]]: ...

    def new_uow(self) -> OutboxUnitOfWork: ...


ContextSource = Callable[[], Awaitable[Any]]
"""Returns the worker's platform once it is built (a `WorkerContext`)."""


@attrs.frozen
class RetryPolicy:
    """How often a failing handler runs before it is given up, and how long between runs."""

    max_tries: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 300_000


@attrs.frozen
class OutboxActors:
    relay: dramatiq.Actor[[], None]
    handle: dramatiq.Actor[[str, str], None]
    batch: int

    async def relay_all(self, ctx: WorkerContext) -> int:
        """Relay batches until one comes back short; returns how many messages were relayed."""
        total = 0
        while True:
            claimed = await relay_once(
                uow=ctx.new_uow(),
                handlers=ctx.handlers,
                publish=self.publish,
                now=ctx.clock.now(),
                limit=self.batch,
            )
            total += claimed
            if claimed < self.batch:
                return total

    async def sweep(self, ctx: WorkerContext) -> int:
        """Relay the outbox, then run the platform's periodic chores; the work done."""
        return await self.relay_all(ctx) + await run_jobs(ctx)

    async def publish(self, message_id: UUID, key: str) -> None:
        # redis-py blocks: keep the event loop free for the other actors.
        await asyncio.to_thread(self.handle.send, str(message_id), key)


def declare_actors(
    broker: Broker,
    context: ContextSource,
    *,
    retry: RetryPolicy | None = None,
    batch: int = 100,
) -> OutboxActors:
    """Declare both actors on `broker`; `context()` gives them the worker's platform."""
    retry = retry or RetryPolicy()
    actors: OutboxActors

    async def relay_outbox() -> None:
        try:
            relayed = await actors.sweep(await context())
        except Exception as exc:  # no retry and no dead letter: the sweep relays soon anyway
            log.error("outbox.relay_failed", error=repr(exc))
            return
        if relayed:
            log.debug("outbox.relayed", relayed=relayed)

    async def run_outbox_handler(message_id: str, key: str) -> None:
        ctx = await context()
        await run_handler(UUID(message_id), key, uow=ctx.new_uow(), handlers=ctx.handlers, ctx=ctx)

    relay: dramatiq.Actor[[], None] = dramatiq.actor(
        broker=broker,
        actor_name=RELAY_ACTOR,
        queue_name=RELAY_QUEUE,
        max_retries=0,  # the periodic sweep is the retry
        time_limit=300_000,
    )(relay_outbox)
    handle: dramatiq.Actor[[str, str], None] = dramatiq.actor(
        broker=broker,
        actor_name=HANDLER_ACTOR,
        queue_name=HANDLER_QUEUE,
        priority=10,  # lower runs first: relays go ahead of a backlog of handler runs
        max_retries=retry.max_tries - 1,
        min_backoff=retry.min_backoff_ms,
        max_backoff=retry.max_backoff_ms,
        throws=(LookupError,),  # an unknown handler key will not appear by retrying
        time_limit=120_000,
    )(run_outbox_handler)
    actors = OutboxActors(relay=relay, handle=handle, batch=batch)
    return actors


class GiveUpLog(Middleware):
    """Logs `outbox.gave_up` at error when a handler run fails for the last time."""

    def after_nack(self, broker: Broker, message: MessageProxy) -> None:
        if message.actor_name != HANDLER_ACTOR:
            return
        message_id, key = [*message.args, "?", "?"][:2]
        log.error(
            "outbox.gave_up",
            message_id=message_id,
            handler=key,
            retries=message.options.get("retries", 0),
        )
