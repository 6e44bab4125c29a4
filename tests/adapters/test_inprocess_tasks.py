"""The embedded outbox relay: runs handlers in-process, retries failures, never loses a message."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
import pytest

from adapters.memory import FixedClock, MemoryStore
from adapters.workers.inprocess import InProcessTasks
from core.shared.events import DomainEvent, Handler
from core.shared.ids import uuid7
from core.shared.outbox import OutboxMessage


@attrs.frozen(kw_only=True)
class Pinged(DomainEvent):
    name = "test.pinged"
    n: int


@attrs.define
class Ctx:
    store: MemoryStore
    handlers: dict[str, list[Handler]]
    clock: FixedClock = attrs.field(factory=FixedClock)

    def new_uow(self) -> Any:
        return self.store.new_uow()


async def _emit(store: MemoryStore, n: int) -> UUID:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    event = Pinged(event_id=uuid7(now), occurred_at=now, n=n)
    async with store.new_uow() as uow:
        uow.outbox.write(OutboxMessage(event.event_id, event, now))
        await uow.commit()
    return event.event_id


async def _pending(store: MemoryStore) -> int:
    async with store.new_uow() as uow:
        return len(uow.outbox.pending())


async def _started(handlers: dict[str, list[Handler]], **kw: Any) -> tuple[InProcessTasks, Ctx]:
    tasks = InProcessTasks(sweep_interval=0.05, **kw)
    ctx = Ctx(MemoryStore(after_commit=tasks.kick), handlers)
    await tasks.start(ctx)
    return tasks, ctx


async def test_drain_runs_every_handler_once_and_marks_published() -> None:
    seen: list[int] = []

    async def record(event: Pinged, ctx: Any) -> None:
        seen.append(event.n)

    tasks, ctx = await _started({Pinged.name: [record]})
    try:
        for n in range(5):
            await _emit(ctx.store, n)
        await tasks.drain()
        assert sorted(seen) == [0, 1, 2, 3, 4]
        assert await _pending(ctx.store) == 0
        await tasks.drain()
        assert len(seen) == 5
    finally:
        await tasks.stop()


async def test_kick_after_commit_wakes_the_relay_without_drain() -> None:
    done = asyncio.Event()

    async def record(event: Pinged, ctx: Any) -> None:
        done.set()

    tasks = InProcessTasks(sweep_interval=30)  # only a kick can wake it in time
    ctx = Ctx(MemoryStore(after_commit=tasks.kick), {Pinged.name: [record]})
    await tasks.start(ctx)
    try:
        await _emit(ctx.store, 1)
        await asyncio.wait_for(done.wait(), timeout=2)
    finally:
        await tasks.stop()


async def test_a_failing_handler_is_retried_and_others_are_not_rerun() -> None:
    calls = {"flaky": 0, "steady": 0}

    async def flaky(event: Pinged, ctx: Any) -> None:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise ConnectionError("down")

    async def steady(event: Pinged, ctx: Any) -> None:
        calls["steady"] += 1

    tasks, ctx = await _started({Pinged.name: [flaky, steady]}, backoff=0.01)
    try:
        await _emit(ctx.store, 1)
        for _ in range(100):
            if await _pending(ctx.store) == 0:
                break
            await asyncio.sleep(0.02)
        assert calls == {"flaky": 3, "steady": 1}
        assert await _pending(ctx.store) == 0
    finally:
        await tasks.stop()


async def test_a_failed_message_stays_in_the_outbox_until_it_succeeds() -> None:
    async def broken(event: Pinged, ctx: Any) -> None:
        raise ConnectionError("down")

    tasks, ctx = await _started({Pinged.name: [broken]}, backoff=60)
    try:
        await _emit(ctx.store, 1)
        await tasks.pump()
        assert await _pending(ctx.store) == 1  # a crash now loses nothing
    finally:
        await tasks.stop()


async def test_gives_up_after_max_attempts() -> None:
    calls = 0

    async def broken(event: Pinged, ctx: Any) -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("down")

    tasks, ctx = await _started({Pinged.name: [broken]}, backoff=0.0, max_attempts=3)
    try:
        await _emit(ctx.store, 1)
        for _ in range(3):
            await tasks.pump()
        assert calls == 3
        assert await _pending(ctx.store) == 0
    finally:
        await tasks.stop()


async def test_ping_fails_when_not_running() -> None:
    tasks = InProcessTasks()
    with pytest.raises(RuntimeError):
        await tasks.ping()
