"""One SQL dialect for the repositories, spoken on PostgreSQL (asyncpg) and SQLite (aiosqlite).

Repositories write PostgreSQL-style SQL with `$1, $2...` placeholders. On SQLite those become
`?1, ?2...` (SQLite's numbered parameters), UUIDs and instants are passed as text in the same
form Piccolo's SQLite engine uses (UTC, `2030-01-01 12:00:00+00:00`), and columns declared
UUID and TIMESTAMPTZ come back as `UUID` and aware `datetime` through the converters Piccolo
registers with `sqlite3` (the connection is opened with PARSE_DECLTYPES). Rows are mappings
on both engines, so a repository reads `row["id"]` whatever the engine.

Driver errors that mean "this clashes with what is stored" (unique, check, foreign key) are
translated here, once, into the core's `Conflict` with a message people can act on.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from uuid import UUID

import aiosqlite
import asyncpg

from core.shared.errors import Conflict

Row = Mapping[str, Any]
Dialect = Literal["postgres", "sqlite"]

CONSTRAINT_MESSAGES: dict[str, str] = {
    "accounts_email_key": "an account with this email already exists",
    "accounts.email": "an account with this email already exists",
    "accounts_verified_phone_key": "this phone is already verified for another account",
    "accounts.phone": "this phone is already verified for another account",
    "events_booked_within_capacity": "booked seats must stay between 0 and the capacity",
    "idempotency_keys_scope_key_key": (
        "a request with this Idempotency-Key is being processed; retry"
    ),
    "idempotency_keys.scope, idempotency_keys.key": (
        "a request with this Idempotency-Key is being processed; retry"
    ),
    "bookings_seats_positive": "a booking holds at least one seat",
    "tickets_barcode_key": "a ticket with this barcode already exists; try again",
    "payments_money_adds_up": "refunds can never exceed what a payment captured",
    "payments_provider_ref_key": "another payment already has this provider reference",
    "refunds_idempotency_key_key": "a refund with this idempotency key already exists",
    "pickup_points_stock_not_negative": "a point's stock can never go below zero",
    "participants_conference_email_key": "this email is already in the conference's list",
    "participants.conference_id, participants.email": (
        "this email is already in the conference's list"
    ),
    "tickets.barcode": "a ticket with this barcode already exists; try again",
    "plans_code_key": "another plan already has this code",
    "plans.code": "another plan already has this code",
    "subscriptions_one_live_per_account": (
        "you already have a subscription; change its plan or cancel it first"
    ),
    "subscriptions.account_id": (
        "you already have a subscription; change its plan or cancel it first"
    ),
    "subscription_charges_one_open": "a payment for this subscription is already on its way",
    "subscription_charges.subscription_id": (
        "a payment for this subscription is already on its way"
    ),
    "subscription_charges_one_renewal_per_period": (
        "this period of the subscription is already being renewed"
    ),
    "subscription_charges.subscription_id, subscription_charges.period_start": (
        "this period of the subscription is already being renewed"
    ),
    "invoices_one_open_per_conference": "this conference already has an open invoice",
    "invoices.conference_id": "this conference already has an open invoice",
    "partner_keys_key_hash_key": "a partner key with this secret exists; issue another",
    "partner_keys.key_hash": "a partner key with this secret exists; issue another",
    "partner_holds_key_reference_key": (
        "this partner already holds seats under this reference; retry to get that hold"
    ),
    "partner_holds.key_id, partner_holds.reference": (
        "this partner already holds seats under this reference; retry to get that hold"
    ),
    "partner_holds_seats_positive": "a hold holds at least one seat",
    "partner_deliveries_revision_positive": "a delivery's revision and attempts never go down",
    "tickets.barcode_digest": "a ticket with this barcode already exists; try again",
    "reviews_one_per_pair_key": (
        "you have already reviewed this for this event; change that review instead"
    ),
    "reviews.event_id, reviews.author_id, reviews.target, reviews.subject_id": (
        "you have already reviewed this for this event; change that review instead"
    ),
    "reviews_rating_range": "a rating is a whole number from 1 to 5",
    "reminders_subject_kind_key": "this reminder is already scheduled",
    "waitlist_active_key": "you are already on this event's waiting list",
    "seat_holds_live_key": "one of these seats was just taken; choose other seats",
    "seat_holds.event_id, seat_holds.seat_id": (
        "one of these seats was just taken; choose other seats"
    ),
    "waitlist.event_id, waitlist.guest_id": "you are already on this event's waiting list",
    "listings_live_barcode_key": "this ticket is already on sale here",
    "listings.barcode_digest": "this ticket is already on sale here",
    "listings_fee_within_price": "a listing's fee stays within its price",
}
"""What each constraint guards, by its PostgreSQL name and by SQLite's way of naming it."""


def conflict_for(name: str) -> Conflict:
    return Conflict(CONSTRAINT_MESSAGES.get(name, "this change clashes with stored data"))


class Session(Protocol):
    """A connection inside the unit of work's transaction."""

    dialect: Dialect

    async def execute(self, sql: str, *args: Any) -> None: ...

    async def defer(self, sql: str, *args: Any) -> None:
        """`execute` a blind INSERT of new rows, perhaps later: on PostgreSQL deferred writes
        travel together, with the next other statement's flush or with the commit, as one
        statement. Only for rows no later deferred write of the same unit of work touches:
        statements sent together do not see each other's rows (foreign keys still hold:
        they are checked at the end of the statement)."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def fetchval(self, sql: str, *args: Any) -> Any: ...


GUARD_FAILED = "SDG01"
"""The SQLSTATE `stagedoor_require(false)` raises (see the migration that creates it)."""

_LOCKING_READ = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|SHARE|KEY\s+SHARE)\b", re.I)


@functools.lru_cache(maxsize=1024)
def plain_read(sql: str) -> bool:
    """A SELECT that takes no row lock: safe outside a transaction (READ COMMITTED gives every
    statement its own snapshot anyway)."""
    return sql.lstrip()[:6].upper() == "SELECT" and _LOCKING_READ.search(sql) is None


@functools.lru_cache(maxsize=1024)
def renumbered(sql: str, offset: int) -> str:
    """`$1` -> `$(1 + offset)`: a statement's parameters after another's."""
    if not offset:
        return sql
    return _PLACEHOLDER.sub(lambda m: f"${int(m[1]) + offset}", sql)


def together(
    statements: Sequence[tuple[str, Sequence[Any]]],
    main: str | None = None,
    main_args: Sequence[Any] = (),
) -> tuple[str, list[Any]]:
    """Statements as one: each a data-modifying WITH item, then `main` (by default one that
    reads nothing; PostgreSQL runs every data-modifying WITH item to completion anyway)."""
    items, args = [], []
    for n, (sql, values) in enumerate(statements):
        if sql.lstrip()[:4].upper() == "WITH":
            raise ValueError("a deferred statement cannot have a WITH clause of its own")
        items.append(f"w{n} AS ({renumbered(sql, len(args))})")
        args.extend(values)
    tail = renumbered(main, len(args)) if main is not None else "SELECT 1"
    args.extend(main_args)
    if not items:
        return tail, args
    return f"WITH {', '.join(items)} {tail}", args


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection that remembers which queued statements it has run before.

    asyncpg prepares a statement the first time a connection runs it, in the same call: a
    round trip and PostgreSQL's planning. For a statement that queues for a hot row (see
    `PostgresSession.commit_if`), that would happen inside the queue, in front of everyone
    behind it; so a connection's first run of such a statement skips the queue and waits
    for the row in PostgreSQL instead. The queue never decides an outcome, only an order.
    """

    __slots__ = ("warm",)
    REMEMBERED = 256  # asyncpg's own cache keeps 100 statements per connection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warm: set[str] = set()

    def first_run(self, sql: str) -> bool:
        """True the first time this connection is asked about `sql` (roughly: it forgets all
        after REMEMBERED statements, and asyncpg may drop a statement sooner)."""
        if sql in self.warm:
            return False
        if len(self.warm) >= self.REMEMBERED:
            self.warm.clear()
        self.warm.add(sql)
        return True


class PostgresSession:
    """asyncpg on one pooled connection; statements are prepared and cached by asyncpg.

    The transaction starts with the first statement that needs one: plain reads before it
    run on their own, and a unit of work that only reads never sends BEGIN or ROLLBACK.
    Deferred writes wait and then go as one statement; a unit of work whose writes were all
    deferred commits them in a single round trip without BEGIN or COMMIT (one statement is
    atomic on its own). Each saved round trip is CPU in this process and, for a hot row, the
    time its lock is held.
    """

    dialect: Dialect = "postgres"

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self._transaction: asyncpg.transaction.Transaction | None = None
        self._deferred: list[tuple[str, Sequence[Any]]] = []

    async def _begin(self) -> None:
        if self._transaction is None:
            transaction = self.connection.transaction()
            await transaction.start()
            self._transaction = transaction

    async def _ready(self, sql: str) -> None:
        """Before `sql`: a transaction unless it is a plain read with nothing written yet,
        and the deferred writes sent."""
        if self._transaction is None and not self._deferred and plain_read(sql):
            return
        await self._begin()
        await self._send_deferred()

    async def _send_deferred(self) -> None:
        if self._deferred:
            statement, args = together(self._deferred)
            self._deferred = []
            await self._run(self.connection.execute, statement, args)

    async def _run(self, call: Any, sql: str, args: Sequence[Any]) -> Any:
        try:
            return await call(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise _pg_conflict(exc) from exc

    async def execute(self, sql: str, *args: Any) -> None:
        await self._ready(sql)
        await self._run(self.connection.execute, sql, args)

    async def defer(self, sql: str, *args: Any) -> None:
        self._deferred.append((sql, args))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._ready(sql)
        await self._run(self.connection.executemany, sql, (list(rows),))

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        await self._ready(sql)
        return await self._run(self.connection.fetch, sql, args)  # type: ignore[no-any-return]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        await self._ready(sql)
        return await self._run(self.connection.fetchrow, sql, args)  # type: ignore[no-any-return]

    async def fetchval(self, sql: str, *args: Any) -> Any:
        await self._ready(sql)
        return await self._run(self.connection.fetchval, sql, args)

    async def commit(self) -> None:
        """Send what was deferred and end the transaction; nothing at all if nothing was
        written."""
        await self._send_deferred()  # in autocommit, one statement is its own transaction
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.commit()

    async def commit_if(
        self, guard: str, args: Sequence[Any], queue: Callable[[], Awaitable[None]]
    ) -> bool:
        """Commit if `guard` (a data-modifying statement with RETURNING, sent last) returns a
        row; otherwise commit nothing, roll back, and return False. `queue` is awaited just
        before the statement that takes the guard's lock, unless the connection runs that
        statement for the first time (see PooledConnection).

        With nothing sent yet, the deferred writes and the guard go as one statement that
        `stagedoor_require` aborts when the guard returned no row: one round trip, and the
        guard's row lock is held only while PostgreSQL runs that statement and commits it.
        """
        if self._transaction is None:
            statements = [*self._deferred, (guard, args)]
            self._deferred = []
            last = f"w{len(statements) - 1}"
            statement, values = together(
                statements, f"SELECT stagedoor_require(EXISTS (SELECT FROM {last}))"
            )
            await self._queue(statement, queue)
            try:
                await self._run(self.connection.execute, statement, values)
            except asyncpg.PostgresError as exc:
                if exc.sqlstate == GUARD_FAILED:
                    return False
                raise
            return True
        statement, values = together(self._deferred, guard, args)
        self._deferred = []
        await self._queue(statement, queue)
        if await self._run(self.connection.fetchrow, statement, values) is None:
            await self.rollback()
            return False
        await self.commit()
        return True

    async def _queue(self, sql: str, queue: Callable[[], Awaitable[None]]) -> None:
        if not self.connection.first_run(sql):  # every pooled connection is a PooledConnection
            await queue()

    async def rollback(self) -> None:
        """Forget deferred writes and roll back what was sent."""
        self._deferred = []
        transaction, self._transaction = self._transaction, None
        if transaction is not None and not self.connection.is_closed():
            await transaction.rollback()


def _pg_conflict(exc: asyncpg.IntegrityConstraintViolationError) -> Conflict:
    return conflict_for(getattr(exc, "constraint_name", None) or "")


_PLACEHOLDER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=512)
def sqlite_sql(sql: str) -> str:
    """`$1` -> `?1`; PostgreSQL-only casts (`::uuid`) dropped."""
    return _PLACEHOLDER.sub(r"?\1", sql).replace("::uuid", "").replace("::text", "")


def sqlite_param(value: Any) -> Any:
    """A Python value as SQLite stores it (the way Piccolo's SQLite engine does)."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are never stored")
        return str(value.astimezone(UTC))
    if isinstance(value, bool):
        return int(value)
    return value


def instant(value: Any) -> datetime:
    """An aware datetime from a column, or from an aggregate (SQLite returns those as text)."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def skip_locked(dialect: Dialect) -> str:
    """The lock clause of a SELECT that claims work: on PostgreSQL rows another worker holds
    are skipped; SQLite runs one writer at a time and has no row locks."""
    return " FOR UPDATE SKIP LOCKED" if dialect == "postgres" else ""


def uuid_of(value: Any) -> UUID:
    """A UUID from a column, or from an aggregate (SQLite returns those as text)."""
    return value if isinstance(value, UUID) else UUID(str(value))


def _sqlite_conflict(exc: sqlite3.IntegrityError) -> Conflict:
    text = str(exc)
    for prefix in ("UNIQUE constraint failed: ", "CHECK constraint failed: "):
        if text.startswith(prefix):
            name = text.removeprefix(prefix)
            return conflict_for(name.removeprefix("index ").strip("'"))
    return conflict_for(text)  # a trigger's RAISE(ABORT, '<constraint name>')


class SqliteSession:
    """aiosqlite on the database's one connection (the unit of work holds its lock)."""

    dialect: Dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def execute(self, sql: str, *args: Any) -> None:
        try:
            await self.connection.execute(sqlite_sql(sql), [sqlite_param(a) for a in args])
        except sqlite3.IntegrityError as exc:
            raise _sqlite_conflict(exc) from exc

    async def defer(self, sql: str, *args: Any) -> None:
        """Nothing to gain in waiting on SQLite (no round trips): run it now."""
        await self.execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        params = [[sqlite_param(a) for a in row] for row in rows]
        try:
            await self.connection.executemany(sqlite_sql(sql), params)
        except sqlite3.IntegrityError as exc:
            raise _sqlite_conflict(exc) from exc

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        try:
            async with self.connection.execute(
                sqlite_sql(sql), [sqlite_param(a) for a in args]
            ) as cursor:
                return list(await cursor.fetchall())  # type: ignore[arg-type]
        except sqlite3.IntegrityError as exc:
            raise _sqlite_conflict(exc) from exc

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]  # type: ignore[index]
