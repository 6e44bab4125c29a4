"""The plumbing of the worker tests: a web side and an in-process Dramatiq worker sharing a
real database and Redis, a tally of handler runs, and a look into the outbox table."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from dramatiq.broker import Broker
from dramatiq.message import Message
from dramatiq.middleware import Middleware
from dramatiq.worker import Worker
from tests.databases import REDIS_URL, fresh_postgres_url, sqlite_database

from adapters.memory import FastPasswordHasher, MemoryNotifier
from adapters.workers.actors import HANDLER_ACTOR, RetryPolicy
from adapters.workers.redis_tasks import RedisTasks, WorkerBroker, build_worker_broker
from core.partners.registry import PluginRegistry
from entrypoints.container import Container, Database, build_container
from entrypoints.settings import Settings

FAST_RETRIES = RetryPolicy(max_tries=4, min_backoff_ms=20, max_backoff_ms=100)
SWEEP = 0.2
WAIT = 15.0


async def eventually(check: Callable[[], bool | Awaitable[bool]], *, timeout: float = WAIT) -> None:
    """Poll `check` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


class Tally(Middleware):
    """Counts handler messages put on a queue and taken off it (acked or given up).

    Every enqueue, including a retry's, is acked or rejected exactly once, so `outstanding`
    is zero only when no handler run is queued, delayed or in progress.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.enqueued = 0
        self.finished = 0
        self.gave_up = 0

    def after_enqueue(self, broker: Broker, message: Message[Any], delay: int | None) -> None:
        if message.actor_name == HANDLER_ACTOR:
            with self._lock:
                self.enqueued += 1

    def after_ack(self, broker: Broker, message: Any) -> None:
        if message.actor_name == HANDLER_ACTOR:
            with self._lock:
                self.finished += 1

    def after_nack(self, broker: Broker, message: Any) -> None:
        if message.actor_name == HANDLER_ACTOR:
            with self._lock:
                self.finished += 1
                self.gave_up += 1

    @property
    def outstanding(self) -> int:
        with self._lock:
            return self.enqueued - self.finished


class OutboxTable:
    """Reads the outbox (and rewinds it) behind the platform's back, with the plain driver."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def _sql(self, sql: str) -> int:
        if self.url.startswith("sqlite:"):
            return await asyncio.to_thread(self._sqlite, sql)
        import asyncpg

        connection = await asyncpg.connect(self.url)
        try:
            return int(await connection.fetchval(sql) or 0)
        finally:
            await connection.close()

    def _sqlite(self, sql: str) -> int:
        with contextlib.closing(sqlite3.connect(self.url.removeprefix("sqlite:///"), 30)) as db:
            row = db.execute(sql).fetchone()
            db.commit()
            return int(row[0]) if row else 0

    async def pending(self) -> int:
        return await self._sql("SELECT count(*) FROM outbox WHERE published_at IS NULL")

    async def sent_notifications(self) -> int:
        return await self._sql("SELECT count(*) FROM notifications WHERE status = 'sent'")

    async def rewind(self) -> int:
        """Mark every row unpublished again, as if the relay had died before committing."""
        await self._sql("UPDATE outbox SET published_at = NULL")
        return await self.pending()


def settings_for(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url, redis_url=REDIS_URL, secret_key="k" * 40, data_dir=tmp_path / "data"
    )


@contextlib.asynccontextmanager
async def shared_database(
    backend: str, tmp_path: Path, after_commit: Callable[[], None]
) -> AsyncIterator[tuple[str, Database]]:
    """A migrated database for the test (the web side); its URL lets the worker open its own,
    with the same barcode keys (kept in the data dir both sides' settings name)."""
    from adapters.db.database import open_database
    from adapters.security.barcodes import BarcodeVault

    keys = settings_for("sqlite:///unused", tmp_path).with_secret()
    vault = BarcodeVault.parse(keys.barcode_keys, keys.barcode_digest_key)
    if backend == "sqlite":
        async with sqlite_database(tmp_path, after_commit, barcodes=vault) as database:
            yield f"sqlite:///{tmp_path / 'stagedoor-test.db'}", database
        return
    async with fresh_postgres_url() as url:
        database = await open_database(
            url,
            pool_min=1,
            pool_max=5,
            after_commit=after_commit,
            barcodes=vault,
        )
        try:
            await database.migrate()
            yield url, database
        finally:
            await database.close()


@contextlib.asynccontextmanager
async def web_platform(
    backend: str, tmp_path: Path, namespace: str, *, plugins: PluginRegistry | None = None
) -> AsyncIterator[tuple[str, Container]]:
    """The web process's side: its own database connection, kicks through Redis."""
    tasks = RedisTasks(REDIS_URL, namespace=namespace)
    async with shared_database(backend, tmp_path, tasks.kick) as (url, database):
        platform = await build_container(
            settings_for(url, tmp_path),
            database=database,
            tasks=tasks,
            notifier=MemoryNotifier(),
            hasher=FastPasswordHasher(),
            plugins=plugins,
        )
        await platform.start()
        try:
            yield url, platform
        finally:
            await platform.tasks.stop()


@contextlib.asynccontextmanager
async def running_worker(
    url: str,
    tmp_path: Path,
    namespace: str,
    notifier: MemoryNotifier,
    *,
    threads: int = 4,
    plugins: Callable[[], PluginRegistry] | None = None,
) -> AsyncIterator[tuple[WorkerBroker, Tally]]:
    """A Dramatiq worker in this process whose platform is built on Dramatiq's own loop;
    `plugins()` loads the worker's own plugins (each process loads its own)."""

    async def factory() -> Container:
        return await build_container(
            settings_for(url, tmp_path),
            tasks=RedisTasks(REDIS_URL, namespace=namespace),
            notifier=notifier,
            hasher=FastPasswordHasher(),
            plugins=None if plugins is None else plugins(),
        )

    tally = Tally()
    setup = build_worker_broker(
        REDIS_URL,
        factory,
        namespace=namespace,
        retry=FAST_RETRIES,
        sweep_interval=SWEEP,
        middleware=[tally],
    )
    worker = Worker(setup.broker, worker_threads=threads, worker_timeout=50)
    await asyncio.to_thread(worker.start)
    try:
        yield setup, tally
    finally:
        await asyncio.to_thread(worker.stop, 10_000)


async def settled(outbox: OutboxTable, tally: Tally) -> bool:
    """Nothing left to relay and no handler run queued, waiting for a retry or running."""
    if tally.outstanding:
        return False
    before = tally.enqueued
    return await outbox.pending() == 0 and tally.outstanding == 0 and tally.enqueued == before
