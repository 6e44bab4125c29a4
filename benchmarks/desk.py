"""The desk's two operations at conference scale: finding a participant, confirming a pack.

For SQLite (a temp file) and PostgreSQL (a fresh database), with 50,000 participants over 5
pickup points, in one run:

  search      the query alone (the repository's token-prefix search inside a transaction) and
              the whole use case (access check included), for typed prefixes of surnames,
              first names, emails and phone numbers;
  floor       a primary-key lookup of one participant through the same unit of work: what
              any read costs here, to compare the search against;
  confirm     hand-overs per second, one desk at a time and 8 desks at once (distinct
              participants, 5 points).

Prints a table; asserts nothing.  Goal: search p99 < 10 ms for the query.

    .venv/bin/python benchmarks/desk.py [--participants 50000] [--queries 400] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import asyncpg  # noqa: E402

from adapters.db.database import open_database  # noqa: E402
from adapters.memory import FastPasswordHasher, SimplePhoneNumbers, SteppingClock  # noqa: E402
from core.distribution import (  # noqa: E402
    desk,
    roster,
    services,
)
from core.distribution import participants as participant_list  # noqa: E402
from core.distribution.model import Participant, Person  # noqa: E402
from core.distribution.population import synthetic_participants  # noqa: E402
from core.distribution.ports import ParticipantQuery  # noqa: E402
from core.identity.commands import Register  # noqa: E402
from core.identity.services import register  # noqa: E402
from core.shared.paging import PageRequest  # noqa: E402

PG_URL = os.environ.get(
    "STAGEDOOR_TEST_POSTGRES_URL", "postgresql://stagedoor:stagedoor@127.0.0.1:5432/stagedoor_test"
)
FIRST = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Елена", "Алексей", "Дарья", "Олег"]
SECOND = ["Иванович", "Петровна", "Сергеевич", "Алексеевна", "Олегович", ""]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def timed(calls: list[Callable[[], Awaitable[Any]]]) -> list[float]:
    spent = []
    for call in calls:
        started = time.perf_counter()
        await call()
        spent.append(time.perf_counter() - started)
    return spent


def people(count: int, rng: random.Random) -> list[Person]:
    made = []
    for n, planned in enumerate(synthetic_participants(count, seed=7)):
        first = rng.choice(FIRST)
        made.append(
            Person(
                planned.last_name,
                first,
                rng.choice(SECOND),
                f"user{n}@example.org",
                f"+7 9{rng.randrange(10**9):09d}",
            )
        )
    return made


async def seed(database: Any, count: int) -> tuple[Any, Any, list[Any], list[Participant]]:
    clock = SteppingClock(current=datetime(2030, 1, 1, 9, tzinfo=UTC), step=timedelta(0))
    organiser = await register(
        Register("Organiser", f"org-{secrets.token_hex(4)}@example.org", "bench-password"),
        uow=database.new_uow(), hasher=FastPasswordHasher(), phones=SimplePhoneNumbers(),
        clock=clock,
    )  # fmt: skip
    starts = clock.now() + timedelta(hours=1)
    conference = await services.create_conference(
        services.NewConference(organiser.id, "Bench conf", "", starts, starts + timedelta(hours=4)),
        uow=database.new_uow(), clock=clock,
    )  # fmt: skip
    points = [
        await services.add_point(
            services.NewPoint(conference.id, f"Point {n}", "", 4, count),
            actor=organiser.id,
            uow=database.new_uow(),
            clock=clock,
        )
        for n in range(5)
    ]
    participants = [
        Participant.register(conference.id, person, clock.now())
        for person in people(count, random.Random(1))
    ]
    for start in range(0, count, 2000):
        async with database.new_uow() as uow:
            await uow.participants.add_many(participants[start : start + 2000])
            await uow.commit()
    await settle(database)
    return organiser, conference, points, participants


async def settle(database: Any) -> None:
    """What the database does by itself soon after a bulk import: fresh statistics and, on
    PostgreSQL, a vacuum (autovacuum runs after large inserts), so index-only scans apply."""
    if database.engine == "postgres":
        async with database._pool.acquire() as connection:  # outside any transaction
            await connection.execute("VACUUM ANALYZE participant_tokens, participants")
    else:
        async with database.new_uow() as uow:
            await uow.session.execute("ANALYZE")
            await uow.commit()


def queries(participants: list[Participant], count: int, rng: random.Random) -> list[str]:
    made = []
    for _ in range(count):
        person = rng.choice(participants).person
        kind = rng.randrange(4)
        if kind == 0:
            made.append(person.last_name[: rng.randint(3, 6)])
        elif kind == 1:
            made.append(f"{person.last_name[:4]} {person.first_name[:2]}")
        elif kind == 2:
            made.append(person.email[: rng.randint(5, 9)])
        else:
            made.append(roster.phone_digits(person.phone)[-7:-2])
    return made


async def measure(name: str, database: Any, count: int, searches: int) -> list[str]:
    t0 = time.perf_counter()
    organiser, conference, points, participants = await seed(database, count)
    seeded = time.perf_counter() - t0
    rng = random.Random(2)
    texts = queries(participants, searches, rng)
    clock = SteppingClock(current=datetime(2030, 1, 1, 9, 30, tzinfo=UTC), step=timedelta(0))

    async def query_only(text: str) -> None:
        async with database.new_uow() as uow:
            await uow.participants.search(
                conference.id, ParticipantQuery(tuple(roster.query_tokens(text))), PageRequest()
            )

    async def use_case(text: str) -> None:
        await participant_list.find_participants(
            conference.id, text, PageRequest(), actor=organiser.id, uow=database.new_uow()
        )

    async def by_key(participant: Participant) -> None:
        async with database.new_uow() as uow:
            await uow.participants.get(participant.id)

    warm = queries(participants, searches, random.Random(3))  # other texts than measured
    await timed([lambda t=t: query_only(t) for t in warm])  # warm caches and connections
    query = await timed([lambda t=t: query_only(t) for t in texts])
    case = await timed([lambda t=t: use_case(t) for t in texts])
    floor = await timed([lambda p=p: by_key(p) for p in rng.sample(participants, searches)])

    async def confirm(participant: Participant, n: int) -> None:
        await desk.deliver_pack(
            conference.id, participant.id, points[n % len(points)].id, actor=organiser.id,
            uow=database.new_uow(), clock=clock,
        )  # fmt: skip

    one_desk = participants[:300]
    t0 = time.perf_counter()
    for n, participant in enumerate(one_desk):
        await confirm(participant, n)
    sequential = len(one_desk) / (time.perf_counter() - t0)
    crowd = participants[300:1500]
    queue = iter(enumerate(crowd))

    async def desk_worker() -> None:
        for n, participant in queue:
            await confirm(participant, n)

    t0 = time.perf_counter()
    await asyncio.gather(*(desk_worker() for _ in range(8)))
    parallel = len(crowd) / (time.perf_counter() - t0)
    return [
        f"{name:10} {count:>7,} {seeded:7.1f}s "
        f"{percentile(query, 0.5):7.2f} {percentile(query, 0.99):7.2f} "
        f"{percentile(case, 0.5):7.2f} {percentile(case, 0.99):7.2f} "
        f"{percentile(floor, 0.5):6.2f} {percentile(floor, 0.99):6.2f} "
        f"{sequential:8.0f} {parallel:8.0f}"
    ]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        database = await open_database(f"sqlite:///{folder}/desk.db")
        await database.migrate()
        try:
            lines += await measure("sqlite", database, args.participants, args.queries)
        finally:
            await database.close()
    if not args.sqlite_only:
        admin = await asyncpg.connect(PG_URL)
        name = f"stagedoor_desk_{secrets.token_hex(3)}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            database = await open_database(PG_URL.rsplit("/", 1)[0] + "/" + name, pool_max=16)
            await database.migrate()
            try:
                lines += await measure("postgres", database, args.participants, args.queries)
            finally:
                await database.close()
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    print(f"\nDesk benchmark, {os.cpu_count()} cores, {args.queries} searches per engine (ms)")
    print(
        f"{'engine':10} {'people':>7} {'seeded':>8} {'query50':>7} {'query99':>7} "
        f"{'case50':>7} {'case99':>7} {'pk50':>6} {'pk99':>6} {'conf/s1':>8} {'conf/s8':>8}"
    )
    print("\n".join(lines))
    print("query: the repository search alone; case: the use case with its access check;")
    print("pk: one participant by primary key (the floor); conf/s1 and conf/s8: hand-overs")
    print("per second from one desk and from 8 desks at once")


if __name__ == "__main__":
    asyncio.run(main())
