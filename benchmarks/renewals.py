"""The renewal job at scale, on PostgreSQL (a fresh database), in one run:

  idle        one sweep of the job with nothing due: what every relay sweep pays (each second);
  renew       N monthly subscriptions due at once, renewed by one job, then by two jobs racing
              (each renewal: lock, store the charge and its payment, ask the provider (the
              in-memory one), book the capture, move the subscription on); a second run of
              the job afterwards must charge nothing;
  floor       bare asyncpg doing the same writes per renewal (the row lock, the charge and
              payment inserts, the capture's ledger lines, the outbox rows, the updates) in
              two transactions, without the core: what the SQL alone costs.

Prints a table; asserts nothing.

    .venv/bin/python benchmarks/renewals.py [--subscriptions 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import asyncpg  # noqa: E402

from adapters.db.database import open_database  # noqa: E402
from adapters.memory import FastPasswordHasher, SimplePhoneNumbers  # noqa: E402
from adapters.memory.clock import FixedClock  # noqa: E402
from adapters.memory.provider import MemoryPaymentProvider  # noqa: E402
from core.identity.commands import Register  # noqa: E402
from core.identity.services import register  # noqa: E402
from core.shared.money import Money  # noqa: E402
from core.subscriptions.model import Subscription  # noqa: E402
from core.subscriptions.plans import PlanKind, PlanSpec  # noqa: E402
from core.subscriptions.renewals import renew_due  # noqa: E402
from core.subscriptions.services import add_plan  # noqa: E402

PG_URL = os.environ.get(
    "STAGEDOOR_TEST_POSTGRES_URL", "postgresql://stagedoor:stagedoor@127.0.0.1:5432/stagedoor_test"
)
START = datetime(2031, 1, 15, 9, 0, tzinfo=UTC)


async def seed(database: Any, clock: FixedClock, provider: Any, count: int) -> None:
    """`count` active monthly subscriptions whose renewal falls due at the same instant."""
    plan = await add_plan(
        PlanSpec("fan", "Fan", PlanKind.MONTHLY, Money(49_900, "RUB")),
        uow=database.new_uow(),
        clock=clock,
    )
    for start in range(0, count, 200):
        made = []
        for n in range(start, min(start + 200, count)):
            account = await register(
                Register("Fan", f"fan{n}-{secrets.token_hex(3)}@example.org", "correct horse"),
                uow=database.new_uow(), hasher=FastPasswordHasher(), phones=SimplePhoneNumbers(),
                clock=clock,
            )  # fmt: skip
            subscription = Subscription.start(account.id, plan, provider.name, clock.now())
            mandate = f"pi_seed_{n}"
            provider.saved.add(mandate)
            subscription.activate(plan, clock.now(), mandate)
            subscription.pull_events()
            made.append(subscription)
        async with database.new_uow() as uow:
            for subscription in made:
                await uow.subscriptions.add(subscription)
            await uow.commit()


async def job_run(database: Any, clock: FixedClock, provider: Any, workers: int) -> float:
    providers = {provider.name: provider}

    async def one() -> None:
        while await renew_due(uow=database.new_uow(), providers=providers, clock=clock, limit=50):
            pass

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(workers)))
    return time.perf_counter() - began


async def idle_sweep(database: Any, clock: FixedClock, provider: Any, times: int = 200) -> float:
    providers = {provider.name: provider}
    began = time.perf_counter()
    for _ in range(times):
        await renew_due(uow=database.new_uow(), providers=providers, clock=clock)
    return (time.perf_counter() - began) / times


FLOOR_ASK = [
    ("SELECT id FROM floor_subscriptions WHERE id = $1 FOR NO KEY UPDATE", ("sub",)),
    ("INSERT INTO floor_payments (id, subscription_id, amount) VALUES ($1, $2, 49900)",
     ("pay", "sub")),
    ("INSERT INTO floor_charges (id, subscription_id, payment_id) VALUES ($1, $2, $3)",
     ("charge", "sub", "pay")),
    ("UPDATE floor_subscriptions SET next_action_at = now() WHERE id = $1", ("sub",)),
]  # fmt: skip
FLOOR_SETTLE = [
    ("SELECT id FROM floor_subscriptions WHERE id = $1 FOR NO KEY UPDATE", ("sub",)),
    ("UPDATE floor_payments SET captured = amount WHERE id = $1", ("pay",)),
    ("INSERT INTO floor_ledger (id, source_id, amount) VALUES ($1, $3, 49900), ($2, $3, -49900)",
     ("one", "two", "pay")),
    ("UPDATE floor_charges SET paid = true WHERE id = $1", ("charge",)),
    ("UPDATE floor_subscriptions SET period = period + 1 WHERE id = $1", ("sub",)),
    ("INSERT INTO floor_outbox (id, payload) VALUES ($1, 'charged'), ($2, 'receipt')",
     ("one", "two")),
]  # fmt: skip


async def floor(url: str, count: int) -> float:
    """The renewals' SQL alone, one connection, two transactions per renewal."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE floor_subscriptions (id uuid PRIMARY KEY, next_action_at timestamptz,"
            " period int DEFAULT 0);"
            "CREATE TABLE floor_payments (id uuid PRIMARY KEY, subscription_id uuid,"
            " amount bigint, captured bigint DEFAULT 0);"
            "CREATE TABLE floor_charges (id uuid PRIMARY KEY, subscription_id uuid,"
            " payment_id uuid, paid bool DEFAULT false);"
            "CREATE TABLE floor_ledger (id uuid PRIMARY KEY, source_id uuid, amount bigint);"
            "CREATE TABLE floor_outbox (id uuid PRIMARY KEY, payload text)"
        )
        ids = [uuid4() for _ in range(count)]
        await conn.executemany(
            "INSERT INTO floor_subscriptions (id) VALUES ($1)", [(i,) for i in ids]
        )
        began = time.perf_counter()
        for sid in ids:
            values = {"sub": sid, "pay": uuid4(), "charge": uuid4(), "one": uuid4(), "two": uuid4()}
            for statements in (FLOOR_ASK, FLOOR_SETTLE):
                async with conn.transaction():
                    for sql, names in statements:
                        await conn.execute(sql, *(values[n] for n in names))
        return time.perf_counter() - began
    finally:
        await conn.close()


async def with_database(count: int) -> list[str]:
    admin = await asyncpg.connect(PG_URL)
    name = f"stagedoor_bench_{secrets.token_hex(4)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        return await measure(url, count)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def measure(url: str, count: int) -> list[str]:
    database = await open_database(url, pool_min=2, pool_max=8)
    await database.migrate()
    clock, provider = FixedClock(START), MemoryPaymentProvider()
    rows = []
    try:
        await seed(database, clock, provider, count)
        clock.current = START + timedelta(days=1)
        rows.append(("idle sweep (nothing due)", 1, await idle_sweep(database, clock, provider)))
        clock.current = START + timedelta(days=31, hours=1)
        one = await job_run(database, clock, provider, workers=1)
        rows.append(("renew, 1 job", count, one))
        assert len(provider.charges) == count, len(provider.charges)
        again = await job_run(database, clock, provider, workers=1)
        rows.append(("second run, same period", 0, again))
        assert len(provider.charges) == count  # nothing charged twice
        clock.current = START + timedelta(days=62, hours=2)
        two = await job_run(database, clock, provider, workers=2)
        rows.append(("renew, 2 jobs racing", count, two))
        assert len(provider.charges) == 2 * count, len(provider.charges)
    finally:
        await database.close()
    rows.append(("floor: the SQL alone", count, await floor(url, count)))
    return table(rows)


def table(rows: list[tuple[str, int, float]]) -> list[str]:
    floor_rate = rows[-1][1] / rows[-1][2]
    head = ("renewals", "seconds", "per s", "ms each", "vs floor")
    lines = [f"{'scenario':32} " + " ".join(f"{h:>9}" for h in head)]
    lines.append("-" * len(lines[0]))
    for name, count, seconds in rows:
        if count <= 1:
            lines.append(
                f"{name:32} {count:>9} {seconds:>9.4f} {'':>9} {seconds * 1000:>9.2f} {'':>9}"
            )
            continue
        rate = count / seconds
        lines.append(
            f"{name:32} {count:>9} {seconds:>9.2f} {rate:>9.1f} {1000 / rate:>9.2f}"
            f" {rate / floor_rate:>8.2f}x"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=2000)
    args = parser.parse_args()
    for line in asyncio.run(with_database(args.subscriptions)):
        print(line)


if __name__ == "__main__":
    main()
