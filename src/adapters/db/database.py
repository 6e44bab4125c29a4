"""A Stagedoor database on SQLite or PostgreSQL: open it, migrate it, make units of work.

    database = await open_database("postgresql://user:pass@127.0.0.1/stagedoor")
    await database.migrate()
    async with database.new_uow() as uow: ...
    await database.close()

PostgreSQL runs on the asyncpg pool of a Piccolo engine (which also runs the migrations).
SQLite runs on one aiosqlite connection in WAL mode; units of work take turns on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sqlite3
from collections.abc import Callable, Iterator

import aiosqlite
import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from adapters.db.engines import (
    SQLITE_BUSY_TIMEOUT,
    bound_engine,
    engine_kind,
    make_engine,
    sqlite_path,
)
from adapters.db.piccolo_app import APP_NAME
from adapters.db.queueing import FairSlots, HotRowGate
from adapters.db.reseal import reseal_barcodes
from adapters.db.session import PooledConnection
from adapters.db.unit_of_work import PostgresTransaction, SqliteTransaction, SqlUnitOfWork
from adapters.security.barcodes import BarcodeKeyError, BarcodeVault

PICCOLO_CONF = "adapters.db.piccolo_conf"


class MigrationFailed(RuntimeError):
    """Raised when the schema could not be brought up to date; the message says why."""


class SqlDatabase:
    """The Database port on SQL: `engine` is 'sqlite' or 'postgres'."""

    def __init__(
        self,
        engine: str,
        piccolo: Engine,
        *,
        pool: asyncpg.Pool | None = None,
        connection: aiosqlite.Connection | None = None,
        after_commit: Callable[[], None] | None = None,
        barcodes: BarcodeVault | None = None,
    ) -> None:
        self.engine = engine
        self._barcodes = barcodes
        self.piccolo = piccolo
        self.after_commit = after_commit
        self._pool = pool
        self._connection = connection
        self._lock = asyncio.Lock()
        # SQLite already queues writers: its one connection is taken under a lock
        self.gate = HotRowGate() if pool is not None else None
        self._admission = FairSlots(pool.get_max_size()) if pool is not None else None
        self.resealed: dict[str, tuple[str, float]] = {}  # see adapters.db.reseal

    def new_uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)

    @property
    def barcodes(self) -> BarcodeVault:
        """The keys that seal ticket barcodes; a database opened without them has no tickets
        to read or write, and says so instead of storing a barcode in clear."""
        if self._barcodes is None:
            raise BarcodeKeyError(
                "this database was opened without barcode keys: pass barcodes=BarcodeVault(...)"
                " to open_database"
            )
        return self._barcodes

    def transaction(self) -> PostgresTransaction | SqliteTransaction:
        if self._pool is not None:
            assert self._admission is not None
            return PostgresTransaction(self._pool, self._admission)
        assert self._connection is not None, "the database is closed"
        return SqliteTransaction(self._connection, self._lock)

    async def migrate(self) -> None:
        """Apply every migration not yet applied (Piccolo's migrations, both engines)."""
        output = io.StringIO()
        with _piccolo_conf(), bound_engine(self.piccolo), contextlib.redirect_stdout(output):
            Migration._meta.db = self.piccolo  # the table of applied migrations, in this database
            result = await run_forwards(APP_NAME)
        if not result.success:
            raise MigrationFailed(f"migrations failed: {result.message}\n{output.getvalue()}")

    async def reseal_barcodes(self, limit: int = 200) -> int:
        """Seal barcodes stored in clear or under an old key (see `adapters.db.reseal`)."""
        return await reseal_barcodes(self, limit)

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        if self._pool is not None:
            await self._pool.fetchval("SELECT 1", timeout=2)
        else:
            assert self._connection is not None, "the database is closed"
            await self._connection.execute("SELECT 1")

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.wait_for(pool.close(), timeout=10)
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()


@contextlib.contextmanager
def _piccolo_conf() -> Iterator[None]:
    """Point Piccolo's app finder at Stagedoor's configuration while migrating."""
    before = os.environ.get("PICCOLO_CONF")
    os.environ["PICCOLO_CONF"] = PICCOLO_CONF
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PICCOLO_CONF", None)
        else:
            os.environ["PICCOLO_CONF"] = before


async def end_open_transaction(connection: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool: no open transaction.

    asyncpg's default reset also runs `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` — one more round trip for every unit of work (measured: 5 % of the web
    process's time under load). Stagedoor never leaves session state behind (no SET, LISTEN,
    advisory locks or cursors outside a transaction), so ending a transaction that a cut-short
    rollback left open is all there is to do.
    """
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


HOT_TABLES = (
    "events",
    "bookings",
    "tickets",
    "payments",
    "seat_holds",
    "outbox",
    "idempotency_keys",
)
"""The tables a booking writes: a new connection reads their catalog entries up front."""


async def warm_connection(connection: asyncpg.Connection) -> None:
    """Make a new PostgreSQL backend ready for the booking path before it serves a request.

    A new backend's first statement on a table first loads the table's and its indexes'
    catalog entries (measured: 2.7 ms for the first read of an event, 0.5 ms after). A pool
    that opens forty connections at once paid that inside the first burst of requests. On
    a database not migrated yet (the tests open the pool before migrating) there is nothing
    to warm.
    """
    branches = " UNION ALL ".join(f"(SELECT 1 FROM {table} WHERE false)" for table in HOT_TABLES)
    with contextlib.suppress(asyncpg.UndefinedTableError, asyncpg.UndefinedFunctionError):
        await connection.execute(f"{branches}; SELECT stagedoor_require(true)")


async def open_database(
    url: str,
    *,
    pool_min: int = 2,
    pool_max: int = 20,
    after_commit: Callable[[], None] | None = None,
    barcodes: BarcodeVault | None = None,
) -> SqlDatabase:
    """Connect to the database named by `url` (sqlite:///path or postgresql://...).

    `after_commit` is called (synchronously, never awaited) after each commit that wrote
    outbox rows: the relay's wake-up call. `barcodes` seals ticket barcodes; without it the
    database refuses to touch tickets.
    """
    kind = engine_kind(url)
    engine = make_engine(url)
    if kind == "postgres":
        assert isinstance(engine, PostgresEngine)
        await engine.start_connection_pool(
            min_size=pool_min,
            max_size=pool_max,
            reset=end_open_transaction,
            connection_class=PooledConnection,
            init=warm_connection,
        )
        return SqlDatabase(
            kind, engine, pool=engine.pool, after_commit=after_commit, barcodes=barcodes
        )
    connection = await aiosqlite.connect(
        str(sqlite_path(url)),
        isolation_level=None,  # transactions are begun and ended explicitly
        detect_types=sqlite3.PARSE_DECLTYPES,  # UUID and TIMESTAMPTZ via Piccolo's converters
        timeout=SQLITE_BUSY_TIMEOUT,
    )
    connection.row_factory = sqlite3.Row
    for pragma in (
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
        f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT * 1000)}",
    ):
        await connection.execute(pragma)
    return SqlDatabase(
        kind, engine, connection=connection, after_commit=after_commit, barcodes=barcodes
    )
