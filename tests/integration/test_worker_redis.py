"""Dramatiq workers on a real Redis relay the outbox and deliver each notification once.

Each test runs a real `dramatiq.Worker` in this process on its own Redis namespace, with the
worker's platform built on Dramatiq's event loop (as in production), while the test plays
the web process on its own loop and database connection. Waits poll with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from dramatiq.asyncio import get_event_loop_thread
from tests.databases import REDIS_URL
from tests.integration.workers import (
    FAST_RETRIES,
    SWEEP,
    OutboxTable,
    eventually,
    running_worker,
    settled,
    web_platform,
)

from adapters.memory import MemoryNotifier
from adapters.workers import actors, redis_tasks
from adapters.workers.redis_tasks import RedisTasks
from core.booking.commands import BookSeats, CancelEvent, PublishEvent
from core.booking.model import EventDetails
from core.booking.services import book_seats, cancel_event, publish_event
from core.identity.commands import Register
from core.identity.services import register
from entrypoints.container import Container
from entrypoints.settings import Settings

pytestmark = pytest.mark.redis

BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


async def host_cancels_event_with_three_guests(platform: Container) -> str:
    deps = {"hasher": platform.hasher, "phones": platform.phones, "clock": platform.clock}
    host = await register(
        Register("Hanna Host", "hanna@example.org", "s3cret-pass-1"), uow=platform.new_uow(), **deps
    )
    starts = platform.clock.now() + timedelta(days=3)
    details = EventDetails(
        "Film night", "Solaris", starts, starts + timedelta(hours=3), "Moscow", "Club"
    )
    event = await publish_event(
        PublishEvent(host_id=host.id, details=details, capacity=10),
        uow=platform.new_uow(),
        clock=platform.clock,
    )
    for n in range(3):
        guest = await register(
            Register(f"Guest {n}", f"guest{n}@example.org", "s3cret-pass-1"),
            uow=platform.new_uow(),
            **deps,
        )
        await book_seats(
            BookSeats(event.id, guest.id, seats=1), uow=platform.new_uow(), clock=platform.clock
        )
    await cancel_event(
        CancelEvent(event.id, host.id, reason="projector broke"),
        uow=platform.new_uow(),
        clock=platform.clock,
    )
    return details.title


def subjects(notifier: MemoryNotifier) -> list[str]:
    return sorted(m.subject for m in notifier.sent)


# -- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
async def test_cancelled_event_notifies_each_guest_once_even_when_relayed_again(
    backend: str, tmp_path: Path, namespace: str
) -> None:
    notifier = MemoryNotifier()
    async with web_platform(backend, tmp_path, namespace) as (url, web):
        outbox = OutboxTable(url)
        async with running_worker(url, tmp_path, namespace, notifier) as (setup, tally):
            title = await host_cancels_event_with_three_guests(web)
            expected = sorted([f"Booked: {title}"] * 3 + [f"Cancelled: {title}"] * 3)

            async def delivered() -> bool:
                return len(notifier.sent) >= 6 and await settled(outbox, tally)

            await eventually(delivered)
            assert subjects(notifier) == expected

            # A relay died before committing, so every row is relayed again: once by the
            # kick of a new commit's worth, then by two relays at once on the worker's loop
            # (SKIP LOCKED on PostgreSQL, serialised on SQLite).
            ctx = await setup.platform.ready()
            loop = get_event_loop_thread()
            assert loop is not None

            async def two_relays_at_once() -> list[int]:
                return await asyncio.gather(
                    setup.actors.relay_all(ctx), setup.actors.relay_all(ctx)
                )

            # The worker's own sweep relays rewound rows too, and could take them all before
            # the two relays below meet: let its current nap end, and the next last an hour.
            setup.platform.sweep_interval = 3600
            await asyncio.sleep(SWEEP * 3)
            for concurrent in (False, True):
                runs_before = tally.enqueued
                rewound = await outbox.rewind()
                assert rewound > 0
                if concurrent:
                    relayed = await asyncio.to_thread(loop.run_coroutine, two_relays_at_once())
                    assert 0 < sum(relayed) <= rewound  # no row was claimed by both relays
                else:
                    web.tasks.kick()

                async def ran_again(before: int = runs_before) -> bool:
                    return tally.enqueued > before and await settled(outbox, tally)

                await eventually(ran_again)
                assert tally.gave_up == 0
                assert subjects(notifier) == expected


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_failing_notifier_is_retried_and_delivers_once(
    backend: str, tmp_path: Path, namespace: str
) -> None:
    notifier = MemoryNotifier(fail_next=2)
    async with web_platform(backend, tmp_path, namespace) as (url, web):
        outbox = OutboxTable(url)
        async with running_worker(url, tmp_path, namespace, notifier) as (_, tally):
            title = await host_cancels_event_with_three_guests(web)

            async def delivered() -> bool:
                return len(notifier.sent) >= 6 and await settled(outbox, tally)

            await eventually(delivered)
            assert subjects(notifier) == sorted(
                [f"Booked: {title}"] * 3 + [f"Cancelled: {title}"] * 3
            )
            assert notifier.fail_next == 0
            assert tally.gave_up == 0


async def test_a_handler_that_keeps_failing_is_given_up_with_an_error(
    tmp_path: Path, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = LogRecorder()
    monkeypatch.setattr(actors, "log", logs)
    notifier = MemoryNotifier(fail_next=1_000)
    async with web_platform("sqlite", tmp_path, namespace) as (url, web):
        outbox = OutboxTable(url)
        async with running_worker(url, tmp_path, namespace, notifier) as (_, tally):
            await host_cancels_event_with_three_guests(web)
            await eventually(lambda: tally.gave_up >= 6)
            await eventually(lambda: settled(outbox, tally))
    assert notifier.sent == []
    assert 1_000 - notifier.fail_next == 6 * FAST_RETRIES.max_tries
    assert logs.levels("outbox.gave_up") == ["error"] * 6


async def test_kick_with_redis_unreachable_neither_raises_nor_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logs = LogRecorder()
    monkeypatch.setattr(redis_tasks, "log", logs)
    tasks = RedisTasks("redis://127.0.0.1:1/0", timeout=0.2, pause_after_failure=0.05)
    await tasks.start(ctx=None)
    try:
        started = time.perf_counter()
        for _ in range(1_000):
            tasks.kick()
        assert time.perf_counter() - started < 0.5  # 1000 kicks: no network in the caller

        # The loop stays responsive while the kicks fail in the background.
        worst = 0.0
        for _ in range(20):
            tick = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - tick)
            tasks.kick()
        assert worst < 0.1
        await eventually(lambda: bool(logs.levels("tasks.kick_failed")), timeout=5)
        await asyncio.sleep(0.2)  # more failing sends...
        assert logs.levels("tasks.kick_failed") == ["warning"]  # ...logged once per outage
        with pytest.raises((redis.RedisError, OSError, TimeoutError)):
            await tasks.ping()
    finally:
        await asyncio.wait_for(tasks.stop(), timeout=2)


async def test_kicks_before_start_are_sent_when_started(namespace: str) -> None:
    tasks = RedisTasks(REDIS_URL, namespace=namespace)
    tasks.kick()  # e.g. demo data written before the platform starts
    await tasks.start(ctx=None)
    try:
        client = redis.Redis.from_url(REDIS_URL)
        queue = f"{namespace}:{tasks.actors.relay.queue_name}"
        await eventually(lambda: client.llen(queue) == 1, timeout=5)
        await tasks.ping()
        client.close()
    finally:
        await tasks.stop()


def test_run_worker_refuses_without_a_redis_url(capsys: pytest.CaptureFixture[str]) -> None:
    from entrypoints.worker import run_worker

    assert run_worker(Settings(), processes=1, threads=1) == 2
    assert "STAGEDOOR_REDIS_URL" in capsys.readouterr().err


async def test_the_worker_command_relays_and_stops_cleanly(tmp_path: Path, namespace: str) -> None:
    """`run_worker` end to end: Dramatiq's CLI forks a process that builds the platform from
    settings, sweeps the outbox and delivers; SIGTERM stops it with exit code 0."""
    async with web_platform("sqlite", tmp_path, namespace) as (url, web):
        outbox = OutboxTable(url)
        await web.tasks.stop()  # no kicks: the worker's sweep alone must find the rows
        await host_cancels_event_with_three_guests(web)
        assert await outbox.pending() > 0
        with _worker_command(url, tmp_path, namespace) as process:

            async def all_sent() -> bool:
                return await outbox.sent_notifications() == 6 and await outbox.pending() == 0

            await eventually(all_sent, timeout=30)
            process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(process.wait, 15)
        assert code == 0, (tmp_path / "worker.log").read_text()


# -- helpers --------------------------------------------------------------------------------


class LogRecorder:
    """Stands in for a module's structlog logger and keeps (level, event) pairs."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []

    def __getattr__(self, level: str) -> Callable[..., None]:
        def record(event: str, *args: Any, **kw: Any) -> None:
            self.entries.append((level, event))

        return record

    def levels(self, event: str) -> list[str]:
        return [level for level, name in self.entries if name == event]


@contextlib.contextmanager
def _worker_command(url: str, tmp_path: Path, namespace: str) -> Iterator[subprocess.Popen[str]]:
    env = {
        **os.environ,
        "STAGEDOOR_DATABASE_URL": url,
        "STAGEDOOR_REDIS_URL": REDIS_URL,
        "STAGEDOOR_SECRET_KEY": "k" * 40,
        "STAGEDOOR_DATA_DIR": str(tmp_path / "data"),
        "STAGEDOOR_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).parents[2] / "src"),
        "dramatiq_worker_timeout": "100",  # ms between checks for a stop request
    }
    script = (
        "import sys\n"
        "from entrypoints.settings import Settings\n"
        "from entrypoints.worker import run_worker\n"
        "sys.exit(run_worker(Settings.from_env(dotenv=None), processes=1, threads=2,"
        " namespace=sys.argv[1]))\n"
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-c", script, namespace],
            env=env,
            cwd=tmp_path,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
