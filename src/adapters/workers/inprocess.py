"""The embedded default: an asyncio task in the app's own process relays the outbox.

It reads unpublished outbox messages, runs their handlers right there, and only then marks
them published, so a crash at any point means a re-run (handlers are idempotent), never a
loss. A failing handler is retried with exponential backoff; after `max_attempts` the
message is marked published and the failure logged as `outbox.gave_up`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import structlog

from adapters.workers.stopping import reraise_if_stopping, stop_task
from adapters.workers.wakeup import Wakeup
from core.shared.events import Handler
from core.shared.outbox import OutboxMessage, handler_key

log = structlog.get_logger("stagedoor.worker")


async def run_jobs(ctx: Any) -> int:
    """The platform's periodic chores, when it has any (`ctx.run_jobs()`); never raises."""
    chores = getattr(ctx, "run_jobs", None)
    if chores is None:
        return 0
    try:
        return int(await chores())
    except Exception as exc:
        reraise_if_stopping(exc)
        log.exception("jobs.failed")
        return 0


class InProcessTasks:
    kind = "in-process"

    def __init__(
        self,
        *,
        sweep_interval: float = 1.0,
        batch: int = 100,
        max_attempts: int = 8,
        backoff: float = 0.5,
    ) -> None:
        self.sweep_interval = sweep_interval
        self.batch = batch
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._ctx: Any = None
        self._wake = Wakeup()
        self._runner: asyncio.Task[None] | None = None
        self._done: set[tuple[UUID, str]] = set()
        self._failures: dict[UUID, tuple[int, float]] = {}
        self._pump_lock: asyncio.Lock | None = None

    @property
    def handlers(self) -> Mapping[str, Sequence[Handler]]:
        return self._ctx.handlers  # type: ignore[no-any-return]

    async def start(self, ctx: Any) -> None:
        self._ctx = ctx
        self._wake.bind()
        self._pump_lock = asyncio.Lock()
        self._runner = asyncio.create_task(self._run(), name="stagedoor-outbox-relay")

    async def stop(self) -> None:
        await stop_task(self._runner)
        self._runner = None

    def kick(self) -> None:
        self._wake.set()

    async def publish(self, message_id: UUID, key: str) -> None:
        raise NotImplementedError("the in-process relay runs handlers itself; nothing is queued")

    async def ping(self) -> None:
        if self._runner is None or self._runner.done():
            raise RuntimeError("the in-process outbox relay is not running")

    async def drain(self, timeout: float = 10.0) -> None:
        """Relay until nothing due is left: for tests, demos and a graceful shutdown."""
        deadline = time.monotonic() + timeout
        while await self.pump():
            if time.monotonic() > deadline:
                raise TimeoutError("outbox did not drain in time")

    async def _run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the event fires, and stop() would then hang for a whole sweep.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.sweep_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                while await self.pump():
                    pass
            except Exception as exc:  # the relay must outlive any single bad batch
                reraise_if_stopping(exc)
                log.exception("outbox.relay_failed")
            await run_jobs(self._ctx)

    async def pump(self) -> int:
        """Handle one batch of due messages; returns how many were completed."""
        assert self._pump_lock is not None, "start() first"
        async with self._pump_lock:
            uow = self._ctx.new_uow()
            async with uow:
                messages = await uow.outbox.claim(self.batch)
            finished = [m.id for m in messages if self._due(m.id) and await self._handle(m)]
            if finished:
                uow = self._ctx.new_uow()
                async with uow:
                    await uow.outbox.mark_published(finished, self._ctx.clock.now())
                    await uow.commit()
                closed = set(finished)
                for message_id in closed:
                    self._failures.pop(message_id, None)
                self._done = {d for d in self._done if d[0] not in closed}
            return len(finished)

    def _due(self, message_id: UUID) -> bool:
        failure = self._failures.get(message_id)
        return failure is None or failure[1] <= time.monotonic()

    async def _handle(self, message: OutboxMessage) -> bool:
        """Run every handler not yet done; True when the message is finished with."""
        ok = True
        for handler in self.handlers.get(message.event.name, ()):
            key = handler_key(handler)
            if (message.id, key) in self._done:
                continue
            try:
                await handler(message.event, self._ctx)
            except Exception as exc:
                reraise_if_stopping(exc)
                ok = False
                log.exception("outbox.handler_failed", event_name=message.event.name, handler=key)
            else:
                self._done.add((message.id, key))
        if ok:
            return True
        attempts = self._failures.get(message.id, (0, 0.0))[0] + 1
        if attempts >= self.max_attempts:
            log.error("outbox.gave_up", message_id=str(message.id), event_name=message.event.name)
            return True
        delay = self.backoff * 2 ** (attempts - 1)
        self._failures[message.id] = (attempts, time.monotonic() + delay)
        return False
