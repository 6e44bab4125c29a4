"""Background loops stop when asked, even when a library turns the cancellation into an error
of its own, and their owners never wait forever for a loop that will not stop."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs

from adapters.memory import FixedClock, MemoryStore
from adapters.workers.inprocess import InProcessTasks
from adapters.workers.stopping import reraise_if_stopping, stop_task
from adapters.workers.worker_platform import WorkerPlatform


class ClientError(Exception):
    """What an HTTP client might raise when cancelled in the middle of connecting."""


async def _call_that_turns_cancellation_into_an_error(started: asyncio.Event) -> None:
    started.set()
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError as exc:
        raise ClientError("connect failed") from exc


async def test_a_loop_that_catches_errors_still_stops_when_its_cancellation_is_converted() -> None:
    started = asyncio.Event()
    rounds = 0

    async def loop() -> None:
        nonlocal rounds
        while True:
            rounds += 1
            try:
                await _call_that_turns_cancellation_into_an_error(started)
            except Exception as exc:
                reraise_if_stopping(exc)
            await asyncio.sleep(0.01)

    task = asyncio.create_task(loop())
    await started.wait()
    assert await stop_task(task, timeout=2) is True
    assert task.cancelled()
    assert rounds == 1


async def test_an_error_outside_a_stop_is_left_to_the_loop() -> None:
    try:
        raise ClientError("refused")
    except ClientError as exc:
        reraise_if_stopping(exc)  # nobody asked this task to stop: no CancelledError


async def test_a_task_that_swallows_its_cancellation_is_given_up_on_after_the_bound() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                asyncio.current_task().uncancel()  # type: ignore[union-attr]

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    assert await stop_task(task, timeout=0.05) is False
    assert not task.done()
    release.set()
    task.cancel()
    await asyncio.wait([task])


async def test_stopping_nothing_is_done_at_once() -> None:
    assert await stop_task(None) is True


@attrs.define
class Ctx:
    store: MemoryStore
    handlers: dict[str, list[Any]] = attrs.field(factory=dict)
    clock: FixedClock = attrs.field(factory=FixedClock)
    started: asyncio.Event = attrs.field(factory=asyncio.Event)

    def new_uow(self) -> Any:
        return self.store.new_uow()

    async def run_jobs(self) -> int:
        await _call_that_turns_cancellation_into_an_error(self.started)
        return 0


async def test_the_in_process_relay_stops_while_a_chore_converts_its_cancellation() -> None:
    tasks = InProcessTasks(sweep_interval=0.01)
    ctx = Ctx(MemoryStore())
    await tasks.start(ctx)
    await asyncio.wait_for(ctx.started.wait(), 2)
    await asyncio.wait_for(tasks.stop(), 2)


class Platform:
    def __init__(self) -> None:
        self.closed = False

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self.closed = True


async def test_the_worker_sweep_stops_while_a_chore_converts_its_cancellation() -> None:
    started = asyncio.Event()
    platform = Platform()

    async def factory() -> Platform:
        return platform

    async def sweep(ctx: Any) -> int:
        await _call_that_turns_cancellation_into_an_error(started)
        return 0

    worker = WorkerPlatform(factory, sweep_interval=0.01, close_timeout=2)
    worker.sweep = sweep
    await worker._boot()
    sweeper = worker._sweeper
    assert sweeper is not None
    await asyncio.wait_for(started.wait(), 2)
    await asyncio.wait_for(worker._close(), 3)
    assert platform.closed
    assert sweeper.cancelled()  # it stopped, rather than being given up on after 2 s
