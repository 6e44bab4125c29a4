"""Real databases for tests: a migrated SQLite file, a fresh PostgreSQL database, or memory.

Every helper is an async context manager yielding an open, migrated `Database` (the port the
composition root uses) and closing it afterwards. PostgreSQL gets a database of its own per
use, made on the server named by STAGEDOOR_TEST_POSTGRES_URL and dropped at the end, so tests
never see each other's rows. An unreachable server skips the test, except in CI (CI=true),
where it fails it: there the real-server tests must run.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from adapters.memory.database import MemoryDatabase
from entrypoints.container import Database

POSTGRES_URL = os.environ.get(
    "STAGEDOOR_TEST_POSTGRES_URL",
    "postgresql://stagedoor:stagedoor@127.0.0.1:5432/stagedoor_test",
)
REDIS_URL = os.environ.get("STAGEDOOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

AfterCommit = Callable[[], None] | None


def unavailable(message: str) -> None:
    """A real server is missing: skip here, fail in CI."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


async def _open(url: str, after_commit: AfterCommit, **options: Any) -> Database:
    from adapters.db.database import open_database
    from adapters.security.barcodes import BarcodeVault

    database: Database = await open_database(
        url,
        pool_min=options.get("pool_min", 2),
        pool_max=options.get("pool_max", 20),
        after_commit=after_commit,
        barcodes=options.get("barcodes") or BarcodeVault.ephemeral(),
    )
    await database.migrate()
    return database


@contextlib.asynccontextmanager
async def memory_database(
    _: Path | None = None, after_commit: AfterCommit = None
) -> AsyncIterator[Database]:
    """The in-memory reference store."""
    yield MemoryDatabase.open(after_commit=after_commit)


@contextlib.asynccontextmanager
async def sqlite_database(
    tmp_path: Path, after_commit: AfterCommit = None, **options: Any
) -> AsyncIterator[Database]:
    """A migrated SQLite file under `tmp_path`."""
    database = await _open(f"sqlite:///{tmp_path / 'stagedoor-test.db'}", after_commit, **options)
    try:
        yield database
    finally:
        await database.close()


def with_database_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def fresh_postgres_url() -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped (forcibly) afterwards."""
    import asyncpg

    try:
        admin = await asyncpg.connect(POSTGRES_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL at STAGEDOOR_TEST_POSTGRES_URL is unreachable: {exc!r}")
        raise  # unreachable: unavailable() always raises
    name = f"stagedoor_t_{secrets.token_hex(6)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database_name(POSTGRES_URL, name)
    finally:
        await drop_database(admin, name)
        await admin.close()


async def drop_database(admin: Any, name: str, *, tries: int = 50) -> None:
    """DROP DATABASE ... WITH (FORCE), again while it is refused: FORCE may not end an
    autovacuum worker busy in that database (it runs as another role), which soon ends."""
    import asyncio

    import asyncpg

    for attempt in range(tries):
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
            if attempt == tries - 1:
                raise
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def postgres_database(
    _: Path | None = None, after_commit: AfterCommit = None, **options: Any
) -> AsyncIterator[Database]:
    """A migrated database of its own on the test PostgreSQL server."""
    async with fresh_postgres_url() as url:
        database = await _open(url, after_commit, **options)
        try:
            yield database
        finally:
            await database.close()


DATABASES = {
    "memory": memory_database,
    "sqlite": sqlite_database,
    "postgres": postgres_database,
}
"""Every backend by name, for `pytest.mark.parametrize("backend", sorted(DATABASES))`."""


async def redis_or_skip(url: str = REDIS_URL) -> None:
    """Skip (fail in CI) when the test Redis does not answer a PING."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at STAGEDOOR_TEST_REDIS_URL is unreachable: {exc!r}")
    finally:
        client.close()
