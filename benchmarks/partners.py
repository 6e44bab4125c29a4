"""Partner holds against guest bookings on PostgreSQL, and the feed's ETag revalidation.

Scenarios, all in one run on the same PostgreSQL server, through the core's use cases (no
HTTP), 50 concurrent clients, one seat each, on an event with room for all:
  (a) guests booking            — the baseline;
  (b) a partner placing holds   — the same conditional update plus the hold's own row;
  (c) both at once, half each.
Then, in-process over ASGI, an organiser's availability feed of 50 events:
  (d) read in full, and (e) revalidated with If-None-Match (304).

Prints a table; asserts nothing.

    .venv/bin/python benchmarks/partners.py [--operations 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.databases import fresh_postgres_url  # noqa: E402

from adapters.memory import FastPasswordHasher, MemoryNotifier  # noqa: E402
from adapters.workers.inprocess import InProcessTasks  # noqa: E402
from core.booking.commands import BookSeats, PublishEvent  # noqa: E402
from core.booking.model import Event, EventDetails  # noqa: E402
from core.booking.services import book_seats, publish_event  # noqa: E402
from core.identity.commands import Register  # noqa: E402
from core.identity.model import Account  # noqa: E402
from core.identity.services import register  # noqa: E402
from core.partners.commands import IssueKey, PlaceHold  # noqa: E402
from core.partners.model import KeyScope, PartnerKey  # noqa: E402
from core.partners.services import issue_key, place_hold  # noqa: E402
from entrypoints.container import Container, build_container  # noqa: E402
from entrypoints.http import create_app  # noqa: E402
from entrypoints.settings import Settings  # noqa: E402
from entrypoints.testkit import lifespan_in_task  # noqa: E402

CLIENTS = 50


def pct(latencies: list[float], p: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


async def timed(total: int, one: Callable[[int], Awaitable[object]]) -> tuple[float, list[float]]:
    counter, latencies = iter(range(total)), []

    async def client() -> None:
        for i in counter:
            t0 = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return time.perf_counter() - t0, latencies


async def setup(
    platform: Container, guests: int, tag: str
) -> tuple[Account, list[Account], Event, PartnerKey]:
    deps = {"hasher": platform.hasher, "phones": platform.phones, "clock": platform.clock}
    host = await register(
        Register("Host", f"host-{tag}@bench.test", "bench-pass-1"), uow=platform.new_uow(), **deps
    )
    people = [
        await register(
            Register(f"G{n}", f"g{n}-{tag}@bench.test", "bench-pass-1"),
            uow=platform.new_uow(),
            **deps,
        )
        for n in range(guests)
    ]
    starts = platform.clock.now() + timedelta(days=30)
    details = EventDetails("Big show", "", starts, starts + timedelta(hours=2), "Moscow", "")
    event = await publish_event(
        PublishEvent(host.id, details, capacity=100_000),
        uow=platform.new_uow(),
        clock=platform.clock,
    )
    key, _ = await issue_key(
        IssueKey(host.id, "Bench shop", frozenset(KeyScope)),
        uow=platform.new_uow(),
        clock=platform.clock,
    )
    return host, people, event, key


async def seats(platform: Container, operations: int) -> list[tuple[str, float, list[float]]]:
    _, people, event, key = await setup(platform, operations, "seats")

    async def book(i: int) -> None:
        await book_seats(
            BookSeats(event.id, people[i].id, 1), uow=platform.new_uow(), clock=platform.clock
        )

    async def hold(i: int) -> None:
        await place_hold(
            PlaceHold(key.id, event.id, 1, f"h-{i}"), uow=platform.new_uow(), clock=platform.clock
        )

    async def mixed(i: int) -> None:
        if i % 2:
            await hold(operations + i)
        else:
            await book(i)

    rows = []
    for name, one in (("(a) guests book", book), ("(b) partner holds", hold)):
        elapsed, latencies = await timed(operations, one)
        rows.append((name, operations / elapsed, latencies))
    elapsed, latencies = await timed(operations, mixed)
    rows.append(("(c) both, half each", operations / elapsed, latencies))
    return rows


async def feed(platform: Container, rounds: int) -> list[tuple[str, float, list[float]]]:
    host, _, _, _ = await setup(platform, 0, "feed")
    starts = platform.clock.now() + timedelta(days=40)
    for n in range(49):
        details = EventDetails(f"Show {n}", "", starts, starts + timedelta(hours=2), "Moscow", "")
        await publish_event(
            PublishEvent(host.id, details, 100), uow=platform.new_uow(), clock=platform.clock
        )
    app = create_app(container=platform)
    url = f"/api/v1/organisers/{host.id}/availability?limit=50"
    async with (
        lifespan_in_task(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        etag = (await client.get(url)).headers["etag"]

        async def full(_: int) -> None:
            assert (await client.get(url)).status_code == 200

        async def cached(_: int) -> None:
            assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304

        rows = []
        for name, one in (("(d) feed of 50, in full", full), ("(e) feed revalidated, 304", cached)):
            elapsed, latencies = await timed(rounds, one)
            rows.append((name, rounds / elapsed, latencies))
    return rows


async def main(operations: int) -> None:
    async with fresh_postgres_url() as url:
        settings = Settings(
            database_url=url, data_dir=Path(tempfile.mkdtemp()), db_pool_max=CLIENTS
        )
        platform = await build_container(
            settings, tasks=InProcessTasks(), notifier=MemoryNotifier(), hasher=FastPasswordHasher()
        )
        await platform.database.migrate()
        try:
            rows = await seats(platform, operations) + await feed(platform, operations // 5)
        finally:
            await platform.close()
    print(f"{'scenario':32} {'ops/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for name, rate, latencies in rows:
        print(f"{name:32} {rate:8.0f} {pct(latencies, 0.5):8.1f} {pct(latencies, 0.95):8.1f}")
    print(f"({CLIENTS} concurrent clients; the machine's load shapes every figure)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=1000)
    asyncio.run(main(parser.parse_args().operations))
