"""The worker's platform, built and closed on Dramatiq's event-loop thread.

Database pools (asyncpg) belong to the event loop that opened them, and Dramatiq runs every
async actor on one loop of its own (the `AsyncIO` middleware's thread). So the platform is
built there, in `after_worker_boot`, by an async factory the composition root hands in, and
closed there at shutdown. The same loop runs a periodic sweep of the outbox, so an event
whose kick was lost is still relayed within about a second.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread
from dramatiq.broker import Broker
from dramatiq.middleware import Middleware
from dramatiq.worker import Worker

from adapters.workers.stopping import reraise_if_stopping, stop_task

log = structlog.get_logger("stagedoor.worker")


class Platform(Protocol):
    """What the worker starts and closes: the composition root's container."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


PlatformFactory = Callable[[], Awaitable[Any]]
Sweep = Callable[[Any], Awaitable[int]]


class WorkerPlatform(Middleware):
    """Builds the platform after the worker boots, sweeps the outbox, closes it at shutdown.

    Actors may be handed messages before `after_worker_boot` has finished (Dramatiq starts
    its threads first), so they `await ready()`, which waits for the platform.
    `on_boot_failure` is called when the factory fails; without it the failure is logged and
    every actor run fails (and is retried) until the worker is restarted.
    """

    def __init__(
        self,
        factory: PlatformFactory,
        *,
        sweep_interval: float = 1.0,
        ready_timeout: float = 60.0,
        close_timeout: float = 30.0,
        on_boot_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.factory = factory
        self.sweep_interval = sweep_interval
        self.ready_timeout = ready_timeout
        self.close_timeout = close_timeout
        self.on_boot_failure = on_boot_failure
        self.sweep: Sweep | None = None
        self._platform: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._sweeper: asyncio.Task[None] | None = None

    async def ready(self) -> Any:
        """The platform, once built; raises if building it failed or takes too long."""
        if self._platform.done():
            return self._platform.result()
        # shield: a timeout here must not cancel the future every actor shares.
        async with asyncio.timeout(self.ready_timeout):
            return await asyncio.shield(asyncio.wrap_future(self._platform))

    def after_worker_boot(self, broker: Broker, worker: Worker) -> None:
        try:
            _loop_thread().run_coroutine(self._boot())
        except Exception as exc:
            if not self._platform.done():
                self._platform.set_exception(exc)
            log.critical("worker.boot_failed", error=repr(exc))
            if self.on_boot_failure is not None:
                self.on_boot_failure(exc)
            return
        log.info("worker.ready", sweep_interval=self.sweep_interval)

    def after_worker_shutdown(self, broker: Broker, worker: Worker) -> None:
        # Runs before the AsyncIO middleware stops the loop: this middleware is added after it.
        if not self._platform.done() or self._platform.exception() is not None:
            return
        try:
            _loop_thread().run_coroutine(self._close())
        except Exception:
            log.exception("worker.close_failed")

    async def _boot(self) -> None:
        platform = await self.factory()
        try:
            await platform.start()
        except BaseException:
            await platform.close()
            raise
        self._platform.set_result(platform)
        if self.sweep is not None and self.sweep_interval > 0:
            self._sweeper = asyncio.create_task(self._sweep(platform), name="stagedoor-sweep")

    async def _close(self) -> None:
        await stop_task(self._sweeper, timeout=self.close_timeout)
        self._sweeper = None
        async with asyncio.timeout(self.close_timeout):
            await self._platform.result().close()

    async def _sweep(self, platform: Any) -> None:
        assert self.sweep is not None
        failing = False
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                relayed = await self.sweep(platform)
            except Exception as exc:  # the sweep must outlive a database or broker outage
                reraise_if_stopping(exc)
                if not failing:
                    log.error("outbox.sweep_failed", error=repr(exc))
                failing = True
                continue
            if failing:
                log.info("outbox.sweep_recovered")
                failing = False
            if relayed:
                log.debug("outbox.swept", relayed=relayed)


def _loop_thread() -> EventLoopThread:
    thread = get_event_loop_thread()
    if thread is None:
        raise RuntimeError("the AsyncIO middleware must come before WorkerPlatform on the broker")
    return thread
