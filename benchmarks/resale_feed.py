"""The resale feed at scale: one page at depth 500,000 by keyset against OFFSET, on PostgreSQL.

A fresh database gets 1,000,000 listings (80 % on sale, the rest sold, withdrawn or expired;
8 event types, 50 cities; each barcode sealed with AES-GCM as the service stores it), copied
in with COPY. Then, in one run on the same server and data:

  keyset SQL        the feed's statement after a cursor 500,000 listings deep (newest first)
  OFFSET SQL        the same statement with OFFSET 500,000 instead: the baseline
  keyset use case   `core.resale.services.feed` through the unit of work: the statement, the
                    rows turned into listings, each barcode opened (what the API pays)
  first page        the use case without a cursor
  type / city       the use case with one filter, after a cursor deep in its results
  name words        the use case with a text filter (LIKE on the name, no text index): a
                    common word and a rare one, for scale

Prints p50 / p99 per scenario and the OFFSET/keyset ratio; asserts nothing.
Goal: keyset p99 < 5 ms.

    .venv/bin/python benchmarks/resale_feed.py [--listings 1000000] [--depth 500000] [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import asyncpg  # noqa: E402

from adapters.db.database import open_database  # noqa: E402
from adapters.memory import FastPasswordHasher, FixedClock, SimplePhoneNumbers  # noqa: E402
from adapters.security.barcodes import BarcodeVault  # noqa: E402
from core.identity.commands import Register  # noqa: E402
from core.identity.services import register  # noqa: E402
from core.resale import services  # noqa: E402
from core.resale.model import EventType  # noqa: E402
from core.resale.ports import FeedFilter  # noqa: E402
from core.shared.ids import uuid7  # noqa: E402
from core.shared.paging import PageRequest, id_cursor  # noqa: E402

PG_URL = os.environ.get(
    "STAGEDOOR_TEST_POSTGRES_URL", "postgresql://stagedoor:stagedoor@127.0.0.1:5432/stagedoor_test"
)
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PAGE = 20
CITIES = [f"City {n:02d}" for n in range(50)]
WORDS = ["Swan Lake", "Hamlet", "Metallica", "Spartak", "Jazz night", "Nutcracker", "Stand-up"]
COLUMNS = (
    "id", "seller_id", "issuer", "event_name", "event_name_key", "event_type", "starts_at",
    "city", "city_key", "place", "price_amount", "currency", "fee_amount", "barcode_digest",
    "barcode_key", "barcode_sealed", "authenticity", "checker", "status", "escrow",
    "created_at", "updated_at",
)  # fmt: skip
FEED_SQL = (
    "SELECT id FROM listings WHERE status = 'available' AND starts_at > $1{extra}"
    " ORDER BY id DESC {tail}"
)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    for _ in range(5):  # warm caches and plans
        await call()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - t0)
    return samples


def rows(count: int, sellers: list[uuid.UUID], vault: BarcodeVault, rng: random.Random) -> Any:
    """Listings oldest first (ids follow creation time), each barcode sealed under its id."""
    start = NOW - timedelta(days=200)
    step = timedelta(days=200) / count
    for n in range(count):
        created = start + step * n
        listing_id = uuid7(created)
        barcode = secrets.token_hex(8).upper()
        key_id, sealed = vault.seal(listing_id, barcode)
        roll = rng.random()
        status = "available" if roll < 0.8 else rng.choice(["sold", "withdrawn", "expired"])
        live = status in ("available", "sold")
        starts = NOW + timedelta(hours=rng.randint(-24, 24 * 90))  # ~1 % started, not expired yet
        name = f"{rng.choice(WORDS)} {n % 997}"
        if n % 50_000 == 7:
            name = f"Unique premiere {n}"  # a rare word: 20 listings in a million
        city = rng.choice(CITIES)
        price = rng.randint(50, 500) * 100
        yield (
            listing_id, rng.choice(sellers), "stagedoor", name, name.casefold(),
            rng.choice(list(EventType)).value, starts, city, city.casefold(), "Main hall",
            price, "RUB", price // 20, vault.digest(barcode) if live else secrets.token_hex(16),
            key_id, sealed, "genuine", "stagedoor-tickets", status,
            "held" if status == "sold" else "none", created, created,
        )  # fmt: skip


async def seed(database: Any, url: str, count: int) -> None:
    deps = {
        "hasher": FastPasswordHasher(),
        "phones": SimplePhoneNumbers(),
        "clock": FixedClock(NOW),
    }
    sellers = []
    for n in range(200):
        account = await register(
            Register(f"Seller {n}", f"seller{n}@example.org", "correct horse battery"),
            uow=database.new_uow(),
            **deps,
        )
        sellers.append(account.id)
    rng = random.Random(9)
    connection = await asyncpg.connect(url)
    try:
        t0 = time.perf_counter()
        batch: list[tuple[Any, ...]] = []
        for row in rows(count, sellers, database.barcodes, rng):
            batch.append(row)
            if len(batch) == 50_000:
                await connection.copy_records_to_table("listings", records=batch, columns=COLUMNS)
                batch = []
        if batch:
            await connection.copy_records_to_table("listings", records=batch, columns=COLUMNS)
        await connection.execute("VACUUM ANALYZE listings")
        print(f"seeded {count:,} listings in {time.perf_counter() - t0:.0f} s")
    finally:
        await connection.close()


async def measure(
    database: Any, url: str, depth: int, runs: int
) -> tuple[list[tuple[str, list[float]]], int]:
    """Every scenario's samples, and the depth the deep page was read at."""
    clock = FixedClock(NOW)
    connection = await asyncpg.connect(url)
    results: list[tuple[str, list[float]]] = []
    try:

        async def cursor_at(extra: str = "", *args: Any, deep: bool = False) -> Any:
            """The cursor `depth` listings into the results (if there are that many and a page
            more), or halfway into them."""
            where = FEED_SQL.split(" ORDER BY")[0].replace("SELECT id", "SELECT count(*)")
            total = await connection.fetchval(where.format(extra=extra), NOW, *args)
            skip = depth if deep and depth + PAGE <= total else total // 2
            found = await connection.fetchval(
                FEED_SQL.format(extra=extra, tail=f"OFFSET {skip - 1} LIMIT 1"), NOW, *args
            )
            return id_cursor(found), skip

        deep, skipped_rows = await cursor_at(deep=True)
        after = uuid.UUID(deep.key[0])
        keyset_sql = FEED_SQL.format(extra=" AND id < $2", tail=f"LIMIT {PAGE}")
        offset_sql = FEED_SQL.format(extra="", tail=f"OFFSET {skipped_rows} LIMIT {PAGE}")
        plain = await connection.fetch(keyset_sql, NOW, after)
        skipped = await connection.fetch(offset_sql, NOW)
        assert [r["id"] for r in plain] == [r["id"] for r in skipped], "keyset != OFFSET page"
        keyset = await timed(lambda: connection.fetch(keyset_sql, NOW, after), runs)
        results.append(("keyset SQL", keyset))
        offset = await timed(lambda: connection.fetch(offset_sql, NOW), max(20, runs // 10))
        results.append(("OFFSET SQL", offset))

        def use_case(
            query: FeedFilter, cursor: Any, least: int = PAGE
        ) -> Callable[[], Awaitable[Any]]:
            async def call() -> Any:
                page = await services.feed(
                    query, PageRequest(cursor, PAGE), uow=database.new_uow(), clock=clock
                )
                assert len(page.items) >= least, len(page.items)
                return page

            return call

        results.append(("keyset use case", await timed(use_case(FeedFilter(), deep), runs)))
        results.append(("first page", await timed(use_case(FeedFilter(), None), runs)))
        kind = EventType.THEATRE
        by_type, _ = await cursor_at(" AND event_type = $2", kind.value)
        results.append(
            ("type filter", await timed(use_case(FeedFilter(event_type=kind), by_type), runs))
        )
        city = CITIES[7]
        by_city, _ = await cursor_at(" AND city_key = $2", city.casefold())
        results.append(("city filter", await timed(use_case(FeedFilter(city=city), by_city), runs)))
        results.append(
            ("name: common word", await timed(use_case(FeedFilter(text="hamlet"), None), runs))
        )
        rare = use_case(FeedFilter(text="unique premiere"), None, least=0)  # reads the whole table
        results.append(("name: rare word", await timed(rare, max(20, runs // 10))))
    finally:
        await connection.close()
    return results, skipped_rows


def report(results: list[tuple[str, list[float]]], count: int, depth: int) -> None:
    print(f"\n{count:,} listings, page of {PAGE}, cursor/OFFSET depth {depth:,}")
    print(f"{'scenario':24} {'runs':>5} {'p50 ms':>9} {'p99 ms':>9}")
    print("-" * 50)
    for name, samples in results:
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        print(f"{name:24} {len(samples):5} {p50:9.2f} {p99:9.2f}")
    by_name = dict(results)
    ratio = percentile(by_name["OFFSET SQL"], 0.5) / percentile(by_name["keyset SQL"], 0.5)
    print(f"\nOFFSET / keyset (p50, SQL): {ratio:,.0f}x")
    goal = percentile(by_name["keyset use case"], 0.99)
    print(f"goal keyset p99 < 5 ms (use case): {goal:.2f} ms -> {'met' if goal < 5 else 'NOT met'}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    name = f"stagedoor_bench_resale_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        database = await open_database(url, pool_max=4, barcodes=BarcodeVault.ephemeral())
        try:
            await database.migrate()
            await seed(database, url, args.listings)
            results, depth = await measure(database, url, args.depth, args.runs)
        finally:
            await database.close()
        report(results, args.listings, depth)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
