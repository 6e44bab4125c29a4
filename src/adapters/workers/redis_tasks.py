"""The scaled-out mode: Dramatiq on Redis.

The web process only kicks: after a commit that wrote outbox rows it enqueues one "relay"
message (coalescing bursts, off the event loop, ignoring a Redis outage: the workers' periodic
sweep catches up). Worker processes relay the outbox to the queue and run one handler per
message, retried with backoff. `RedisTasks` is the web side of the Tasks port;
`build_worker_broker` assembles the worker side for the composition root.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import attrs
import redis
import structlog
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO, Middleware, default_middleware
from redis.backoff import NoBackoff
from redis.retry import Retry

from adapters.workers.actors import GiveUpLog, OutboxActors, RetryPolicy, declare_actors
from adapters.workers.stopping import stop_task
from adapters.workers.wakeup import Wakeup
from adapters.workers.worker_platform import PlatformFactory, WorkerPlatform

log = structlog.get_logger("stagedoor.worker")

DEFAULT_NAMESPACE = "stagedoor"
"""Prefix of every Redis key; web and workers must agree on it."""


def build_broker(
    url: str,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    middleware: Sequence[Middleware] = (),
    client: redis.Redis | None = None,
) -> RedisBroker:
    """A RedisBroker with Dramatiq's default middleware, AsyncIO, and `middleware` after them.

    Order matters: `middleware` comes after AsyncIO, so its shutdown hooks run while the
    event loop is still alive.
    """
    stack: list[Middleware] = [m() for m in default_middleware]
    stack += [AsyncIO(), GiveUpLog(), *middleware]
    return RedisBroker(
        url=None if client is not None else url,
        client=client,
        namespace=namespace,
        middleware=stack,
    )


@attrs.frozen
class WorkerBroker:
    """A worker's broker with its platform middleware and its actors."""

    broker: RedisBroker
    platform: WorkerPlatform
    actors: OutboxActors


def build_worker_broker(
    url: str,
    factory: PlatformFactory,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    retry: RetryPolicy | None = None,
    sweep_interval: float = 1.0,
    batch: int = 100,
    on_boot_failure: Callable[[BaseException], None] | None = None,
    middleware: Sequence[Middleware] = (),
) -> WorkerBroker:
    """Everything a Dramatiq worker needs; `factory` builds the platform on the worker's loop."""
    platform = WorkerPlatform(
        factory, sweep_interval=sweep_interval, on_boot_failure=on_boot_failure
    )
    broker = build_broker(url, namespace=namespace, middleware=[platform, *middleware])
    actors = declare_actors(broker, platform.ready, retry=retry, batch=batch)
    platform.sweep = actors.sweep
    return WorkerBroker(broker=broker, platform=platform, actors=actors)


class RedisTasks:
    """The Tasks port in a web process when workers run on Redis.

    Nothing here ever blocks the event loop: redis-py calls run in a thread, with short
    timeouts and no retries, so a Redis outage costs a request nothing.
    """

    kind = "redis"

    def __init__(
        self,
        url: str,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        timeout: float = 1.0,
        pause_after_failure: float = 1.0,
    ) -> None:
        self.timeout = timeout
        self.pause_after_failure = pause_after_failure
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self.broker = build_broker(url, namespace=namespace, client=client)
        self.actors = declare_actors(self.broker, self._context)
        self._ctx: Any = None
        self._wake = Wakeup()
        self._runner: asyncio.Task[None] | None = None
        self._kicked_early = False
        self._down = False

    async def _context(self) -> Any:
        if self._ctx is None:
            raise RuntimeError("RedisTasks.start() first")
        return self._ctx

    def kick(self) -> None:
        """Ask the workers to relay soon; returns at once and never raises."""
        try:
            if not self._wake.set():
                self._kicked_early = True  # sent on start()
        except Exception:  # a kick is best effort: the sweep relays what a lost kick missed
            log.debug("tasks.kick_dropped", exc_info=True)

    async def publish(self, message_id: UUID, key: str) -> None:
        await asyncio.to_thread(self.actors.handle.send, str(message_id), key)

    async def ping(self) -> None:
        async with asyncio.timeout(self.timeout * 2):
            await asyncio.to_thread(self.broker.client.ping)

    async def start(self, ctx: Any) -> None:
        self._ctx = ctx
        self._wake.bind()
        if self._kicked_early:
            self._wake.set()
        self._runner = asyncio.create_task(self._run(), name="stagedoor-kicks")

    async def stop(self) -> None:
        await stop_task(self._runner)
        self._runner = None
        if self._wake.is_set():
            await self._send_relay()  # a last kick, e.g. after `stagedoor demo` wrote its data
        self._wake.unbind()
        self.broker.client.connection_pool.disconnect()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            # Kicks that arrive while this one is being sent set the event again: a burst
            # of commits costs at most two relay messages.
            self._wake.clear()
            if not await self._send_relay():
                await asyncio.sleep(self.pause_after_failure)

    async def _send_relay(self) -> bool:
        try:
            await asyncio.to_thread(self.actors.relay.send)
        except Exception as exc:
            if not self._down:
                log.warning("tasks.kick_failed", error=repr(exc), then="the worker sweep relays")
                self._down = True
            return False
        if self._down:
            log.info("tasks.kick_recovered")
            self._down = False
        return True
