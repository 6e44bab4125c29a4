"""Units of work get a pooled PostgreSQL connection in the order they asked for one.

asyncpg's pool waits on an asyncio.Queue, which lets a late request take a connection that
was just given back ahead of the waiter woken for it; the database puts a first-come,
first-served line (adapters.db.queueing.FairSlots) in front of the pool.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator

import pytest
from tests.databases import postgres_database

from entrypoints.container import Database

POOL = 2


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    async with postgres_database(pool_min=POOL, pool_max=POOL) as opened:
        yield opened


async def test_units_of_work_get_a_connection_in_the_order_they_asked(
    database: Database,
) -> None:
    """Eight clients on a pool of two, each asking again a few loop turns after its last
    unit of work ended, so that some ask while a connection is on its way to a waiter."""
    tickets = itertools.count()
    entered: list[int] = []
    turns = random.Random(7)

    async def client() -> None:
        for _ in range(10):
            for _ in range(turns.randrange(4)):
                await asyncio.sleep(0)
            asked = next(tickets)
            async with database.new_uow() as uow:
                entered.append(asked)
                await uow.session.fetchval("SELECT pg_sleep(0.001)")

    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(8))), 60)
    assert len(entered) == 80
    assert entered == sorted(entered)


async def test_every_place_in_line_comes_back(database: Database) -> None:
    """Units of work that fail, or are cancelled while they wait, give their place back:
    afterwards the whole pool can be held at once again."""

    async def fails() -> None:
        async with database.new_uow() as uow:
            await uow.session.fetchval("SELECT 1/0")

    results = await asyncio.gather(*(fails() for _ in range(6)), return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results)

    held = asyncio.Event()

    async def hold() -> None:
        async with database.new_uow():
            held.set()
            await asyncio.sleep(3600)

    holders = [asyncio.create_task(hold()) for _ in range(POOL)]
    await asyncio.wait_for(held.wait(), 10)
    waiting = [asyncio.create_task(hold()) for _ in range(3)]
    await asyncio.sleep(0.05)
    for task in [*waiting, *holders]:
        task.cancel()
    await asyncio.gather(*waiting, *holders, return_exceptions=True)

    async def use(n: int) -> int:
        async with database.new_uow() as uow:
            return int(await uow.session.fetchval("SELECT $1::int", n))

    together = [database.new_uow() for _ in range(POOL)]
    for uow in together:  # the whole pool at once: hangs if a place was lost
        await asyncio.wait_for(uow.__aenter__(), 10)
    for uow in together:
        await uow.__aexit__(None, None, None)
    assert await asyncio.wait_for(asyncio.gather(*(use(n) for n in range(5))), 10) == [
        0,
        1,
        2,
        3,
        4,
    ]
