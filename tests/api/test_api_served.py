"""The app served by a real uvicorn on a real database, with real concurrent clients.

50 clients race for 10 seats: exactly 10 bookings win (201), 40 are told there is no seat
left (409), none gets a 5xx, and the event then shows 10 seats booked. 12 copies of one
request with one Idempotency-Key arrive at once: one booking, the same answer for all. Run on
SQLite (a temp file), on PostgreSQL (a fresh database of its own, dropped after) and on the
in-memory store; see tests/databases.py for what happens when PostgreSQL is missing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.databases import DATABASES

from adapters.memory import FastPasswordHasher
from adapters.workers.inprocess import InProcessTasks
from entrypoints.container import build_container
from entrypoints.http import create_app
from entrypoints.settings import Settings

from .apiclient import PASSWORD
from .served import served

CLIENTS = 50
CAPACITY = 10


def backend_database(backend: str, tmp_path: Path, tasks: InProcessTasks) -> Any:
    """A migrated database of the named backend whose commits kick the in-process relay."""
    return DATABASES[backend](tmp_path, after_commit=tasks.kick)


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


@pytest.mark.parametrize("backend", sorted(DATABASES))
async def test_fifty_clients_race_for_ten_seats_over_http(backend: str, tmp_path: Path) -> None:
    tasks = InProcessTasks()
    async with backend_database(backend, tmp_path, tasks) as database:
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


@pytest.mark.parametrize("backend", sorted(DATABASES))
async def test_twelve_retries_at_once_with_one_idempotency_key_book_once(
    backend: str, tmp_path: Path
) -> None:
    tasks = InProcessTasks()
    async with backend_database(backend, tmp_path, tasks) as database:
        platform = await build_container(
            Settings(data_dir=tmp_path), database=database, tasks=tasks, hasher=FastPasswordHasher()
        )
        async with (
            served(create_app(container=platform)) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=60) as client,
        ):
            host, guest = [await _register(client, n) for n in range(2)]
            starts = datetime.now(UTC) + timedelta(days=7)
            body = {
                "title": "Retry night",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(),
                "city": "Moscow",
                "capacity": CAPACITY,
            }
            created = await client.post("/api/v1/events", json=body, headers=host)
            event_id = created.json()["id"]
            headers = {**guest, "Idempotency-Key": "flaky-network-retry"}

            async def attempt() -> httpx.Response:
                async with httpx.AsyncClient(base_url=base_url, timeout=60) as own:
                    return await own.post(
                        f"/api/v1/events/{event_id}/bookings", json={"seats": 2}, headers=headers
                    )

            answers = await asyncio.gather(*(attempt() for _ in range(12)))

            assert [a.status_code for a in answers] == [201] * 12, [a.text for a in answers]
            assert len({a.json()["id"] for a in answers}) == 1
            assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 11
            mine = await client.get("/api/v1/bookings", headers=guest)
            assert len(mine.json()["items"]) == 1
            event = (await client.get(f"/api/v1/events/{event_id}")).json()
            assert event["booked"] == 2


async def test_an_app_without_a_container_builds_one_and_migrates_on_start(
    tmp_path: Path,
) -> None:
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
