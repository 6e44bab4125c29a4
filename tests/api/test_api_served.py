"""The app served by a real uvicorn on a real database: 50 clients race for 10 seats.

Exactly 10 bookings win (201), 40 are told there is no seat left (409), none gets a 5xx, and
the event then shows 10 seats booked. Run on SQLite (a temp file), on PostgreSQL (a fresh
database made for the run from STAGEDOOR_TEST_POSTGRES_URL and dropped after), and on the
in-memory store. Without a reachable PostgreSQL the test is skipped, except in CI (CI=true),
where that is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import uvicorn
from litestar import Litestar

from adapters.memory import FastPasswordHasher
from adapters.memory.database import MemoryDatabase
from adapters.workers.inprocess import InProcessTasks
from entrypoints.container import Database, build_container
from entrypoints.http import create_app
from entrypoints.settings import Settings

from .apiclient import PASSWORD

POSTGRES_URL = os.environ.get(
    "STAGEDOOR_TEST_POSTGRES_URL",
    "postgresql://stagedoor:stagedoor@127.0.0.1:5432/stagedoor_test",
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CLIENTS = 50
CAPACITY = 10


@contextlib.asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free local port, in this event loop; yields its URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # start-up failed: raise why
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def open_database() -> Any:
    """`adapters.db.database.open_database`, or a skip while that adapter does not exist."""
    module = pytest.importorskip(
        "adapters.db.database", reason="adapters.db (the Piccolo adapter) is not there yet"
    )
    return module.open_database


async def _migrated(url: str, tasks: InProcessTasks) -> Database:
    database: Database = await open_database()(
        url, pool_min=2, pool_max=20, after_commit=tasks.kick
    )
    await database.migrate()
    return database


@contextlib.asynccontextmanager
async def memory_database(_: Path, tasks: InProcessTasks) -> AsyncIterator[Database]:
    """The reference store: checks this harness even where no SQL adapter is installed."""
    yield MemoryDatabase.open(after_commit=tasks.kick)


@contextlib.asynccontextmanager
async def sqlite_database(tmp_path: Path, tasks: InProcessTasks) -> AsyncIterator[Database]:
    yield await _migrated(f"sqlite:///{tmp_path / 'served.db'}", tasks)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def postgres_database(_: Path, tasks: InProcessTasks) -> AsyncIterator[Database]:
    """A fresh database on the test server, dropped afterwards."""
    import asyncpg

    open_database()  # skip before touching the server when the adapter is missing
    try:
        admin = await asyncpg.connect(POSTGRES_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = f"PostgreSQL at STAGEDOOR_TEST_POSTGRES_URL is unreachable: {exc!r}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"stagedoor_api_{secrets.token_hex(6)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield await _migrated(_with_database(POSTGRES_URL, name), tasks)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


BACKENDS = {"memory": memory_database, "sqlite": sqlite_database, "postgres": postgres_database}


async def _register(client: httpx.AsyncClient, n: int) -> dict[str, str]:
    email = f"racer{n}@example.org"
    r = await client.post(
        "/api/v1/auth/register",
        json={"full_name": f"Racer {n}", "email": email, "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _race(base_url: str, event_id: str, guests: list[dict[str, str]]) -> Counter[int]:
    """Every guest, on their own connection, asks for one seat at the same moment."""
    go = asyncio.Event()

    async def one(headers: dict[str, str]) -> int:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            await client.get("/health")  # open the connection before the start signal
            await go.wait()
            r = await client.post(
                f"/api/v1/events/{event_id}/bookings", json={"seats": 1}, headers=headers
            )
            return r.status_code

    runners = [asyncio.create_task(one(h)) for h in guests]
    await asyncio.sleep(0.2)
    go.set()
    return Counter(await asyncio.gather(*runners))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
async def test_fifty_clients_race_for_ten_seats_over_http(backend: str, tmp_path: Path) -> None:
    tasks = InProcessTasks()
    async with BACKENDS[backend](tmp_path, tasks) as database:
        platform = await build_container(
            Settings(data_dir=tmp_path), database=database, tasks=tasks, hasher=FastPasswordHasher()
        )
        async with (
            served(create_app(container=platform)) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=60) as client,
        ):
            host, *guests = [await _register(client, n) for n in range(CLIENTS + 1)]
            starts = datetime.now(UTC) + timedelta(days=7)
            body = {
                "title": "Race night",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(),
                "city": "Moscow",
                "capacity": CAPACITY,
            }
            created = await client.post("/api/v1/events", json=body, headers=host)
            assert created.status_code == 201, created.text
            event_id = created.json()["id"]

            statuses = await _race(base_url, event_id, guests)

            assert statuses == Counter({201: CAPACITY, 409: CLIENTS - CAPACITY}), statuses
            event = (await client.get(f"/api/v1/events/{event_id}")).json()
            assert (event["booked"], event["seats_left"]) == (CAPACITY, 0)
            guest_list = await client.get(f"/api/v1/events/{event_id}/guests", headers=host)
            assert len(guest_list.json()["items"]) == CAPACITY


async def test_an_app_without_a_container_builds_one_and_migrates_on_start(
    tmp_path: Path,
) -> None:
    open_database()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}", data_dir=tmp_path)
    async with (
        served(create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url) as client,
    ):
        health = await client.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["database"] == "ok"
        headers = await _register(client, 0)
        me = await client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200
