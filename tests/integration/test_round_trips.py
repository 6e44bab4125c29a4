"""What a booking costs in statements on PostgreSQL: the reads, then one statement that writes
everything and commits; no BEGIN, COMMIT or ROLLBACK unless a statement needs a transaction.

asyncpg's query logger sees every statement a connection sends; the database here has one
pooled connection, so it sees all of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable

import asyncpg
import pytest
from tests.contract.support import Make
from tests.databases import fresh_postgres_url, postgres_database

from adapters.db.database import HOT_TABLES, warm_connection
from adapters.memory import SteppingClock
from entrypoints.container import Database


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    async with postgres_database(pool_min=1, pool_max=1) as opened:
        yield opened


@pytest.fixture
def make(database: Database) -> Make:
    return Make(new_uow=database.new_uow, clock=SteppingClock())


async def statements_of(database: Database, work: Awaitable[object]) -> list[str]:
    """What the database's one connection is sent while `work` runs, blanks folded."""
    sent: list[str] = []
    async with database._pool.acquire() as connection:  # type: ignore[attr-defined]
        connection.add_query_logger(lambda record: sent.append(" ".join(record.query.split())))
    await work
    await asyncio.sleep(0)  # the logger is called soon after each statement
    return sent


async def test_a_booking_is_one_read_and_one_write(database: Database, make: Make) -> None:
    host, guest = await make.account(), await make.account()
    event = await make.event(host, capacity=5)
    sent = await statements_of(database, make.booking(event, guest, seats=2))
    assert len(sent) == 2, sent
    assert sent[0].startswith("SELECT")
    assert "FROM events" in sent[0]
    write = sent[1]
    for part in ("INSERT INTO bookings", "INSERT INTO tickets", "INSERT INTO outbox"):
        assert part in write
    assert "UPDATE events SET booked" in write
    assert "stagedoor_require" in write


async def test_reads_alone_send_no_begin_or_rollback(database: Database, make: Make) -> None:
    event = await make.event(await make.account())

    async def read() -> None:
        async with database.new_uow() as uow:
            await uow.events.get(event.id)
            await uow.events.get(event.id)

    assert [s.split()[0] for s in await statements_of(database, read())] == ["SELECT", "SELECT"]


async def test_a_locking_read_opens_a_transaction_first(database: Database, make: Make) -> None:
    event = await make.event(await make.account())

    async def lock() -> None:
        async with database.new_uow() as uow:
            await uow.events.get(event.id)
            await uow.events.get_for_update(event.id)

    sent = await statements_of(database, lock())
    assert [s.split()[0].rstrip(";") for s in sent] == ["SELECT", "BEGIN", "SELECT", "ROLLBACK"]
    assert "FOR NO KEY UPDATE" in sent[2]


async def test_a_connection_skips_the_hot_row_queue_only_on_its_first_run_of_a_statement(
    database: Database, make: Make
) -> None:
    """Its first run prepares the statement (a round trip and PostgreSQL's planning), which
    should not happen in front of the writers queued behind it; later runs queue."""
    host, guest = await make.account(), await make.account()
    event = await make.event(host, capacity=5)
    gate = database.gate  # type: ignore[attr-defined]
    entered: list[object] = []
    enter = gate.enter

    async def counted(key: object) -> object:
        entered.append(key)
        return await enter(key)

    gate.enter = counted
    await make.booking(event, guest)
    assert entered == []
    await make.booking(event, guest)
    await make.booking(event, guest)
    assert entered == [("events", event.id)] * 2


async def test_a_connection_remembers_a_bounded_number_of_statements(database: Database) -> None:
    async with database._pool.acquire() as connection:  # type: ignore[attr-defined]
        assert connection.first_run("SELECT 1")
        assert not connection.first_run("SELECT 1")
        for n in range(connection.REMEMBERED - 1):
            connection.first_run(f"SELECT {n + 2}")
        assert not connection.first_run("SELECT 1")
        assert connection.first_run("SELECT 'one too many'")  # and all else is forgotten
        assert connection.first_run("SELECT 1")


async def test_a_new_connection_is_warmed_where_the_tables_exist(database: Database) -> None:
    """The pool warms each new connection by touching the booking's tables; before the
    migrations (the tests open the pool first) there is nothing to touch, and no error."""
    async with database._pool.acquire() as connection:  # type: ignore[attr-defined]
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        assert set(HOT_TABLES) <= {row["tablename"] for row in tables}  # none warms nothing
        await warm_connection(connection)
    async with fresh_postgres_url() as url:
        empty = await asyncpg.connect(url)
        try:
            await warm_connection(empty)
        finally:
            await empty.close()
