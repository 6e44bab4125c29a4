"""The SQL unit of work: one transaction, every repository, and the outbox written at commit.

PostgreSQL: a pooled connection per unit of work, READ COMMITTED, row locks where a use case
asks `get_for_update`. SQLite: the database's one connection, taken under an asyncio lock and
opened with BEGIN IMMEDIATE, so writers queue in order instead of failing with SQLITE_BUSY.

After `commit()` the unit of work is spent: a repository used after it raises instead of
silently running outside any transaction.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Self, TypeVar, overload

import aiosqlite
import asyncpg

from adapters.db.billing import SqlConferenceAccounts, SqlConferenceSizes, SqlInvoices
from adapters.db.booking import SqlBookings, SqlEvents, SqlGuestList, SqlInvitations
from adapters.db.distribution import (
    SqlConferences,
    SqlParticipants,
    SqlPoints,
    SqlStaff,
    SqlStaffInvitations,
)
from adapters.db.identity import SqlAccounts, SqlPhoneVerifications, SqlRefreshTokens
from adapters.db.partners import (
    SqlActivations,
    SqlCircuits,
    SqlDeliveries,
    SqlOrganiserEvents,
    SqlPartnerHolds,
    SqlPartnerKeys,
    SqlPluginData,
    SqlProblems,
)
from adapters.db.payments import (
    SqlLedger,
    SqlPayments,
    SqlPayouts,
    SqlProviderEvents,
    SqlRefunds,
)
from adapters.db.perks import SqlPerks
from adapters.db.queueing import FairSlots
from adapters.db.reminders import SqlReminders
from adapters.db.repository import SqlRepository
from adapters.db.resale import SqlListings, SqlMessages, SqlPurchases, SqlResaleRules
from adapters.db.reviews import SqlReviews
from adapters.db.sandbox import SqlSandbox
from adapters.db.seating import SqlSeatHolds, SqlVenues
from adapters.db.session import PostgresSession, Session, SqliteSession
from adapters.db.shared import SqlIdempotency, SqlNotifications, SqlOutbox
from adapters.db.subscriptions import SqlCharges, SqlPlans, SqlSubscriptions
from adapters.db.tickets import SqlTickets
from adapters.db.waitlist import SqlWaitlist
from core.booking.model import EventId
from core.shared.events import Aggregate, DomainEvent
from core.shared.uow import collect_events

if TYPE_CHECKING:
    from adapters.db.database import SqlDatabase
    from adapters.security.barcodes import BarcodeVault

T = TypeVar("T")


class PostgresTransaction:
    """A pooled connection; the session begins the transaction when a statement needs one."""

    def __init__(self, pool: asyncpg.Pool, admission: FairSlots) -> None:
        self._pool = pool
        self._admission = admission
        self._connection: asyncpg.Connection | None = None
        self.session: PostgresSession | None = None
        self._open: PostgresSession | None = None

    async def begin(self) -> None:
        await self._admission.enter()  # in arrival order: see adapters.db.queueing
        try:
            self._connection = await self._pool.acquire()
        except BaseException:
            self._admission.leave()
            raise
        self.session = self._open = PostgresSession(self._connection)

    async def commit(self) -> None:
        assert self.session is not None
        session, self.session = self.session, None
        await session.commit()

    async def commit_if(
        self, guard: str, args: Sequence[object], queue: Callable[[], Awaitable[None]]
    ) -> bool:
        """See PostgresSession.commit_if; after False the session can still read."""
        assert self.session is not None
        if not await self.session.commit_if(guard, args, queue):
            return False
        self.session = None
        return True

    async def close(self) -> None:
        """Roll back what was not committed and give the connection back."""
        connection, session = self._connection, self._open
        self.session, self._open, self._connection = None, None, None
        if connection is None:
            return
        try:
            if session is not None:
                await session.rollback()
        finally:
            try:
                await self._pool.release(connection)
            finally:
                self._admission.leave()


class SqliteTransaction:
    def __init__(self, connection: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self._connection = connection
        self._lock = lock
        self._open = False
        self.session: Session | None = None

    async def begin(self) -> None:
        await self._lock.acquire()
        try:
            if self._connection.in_transaction:  # a rollback was cut short by a cancellation
                await self._connection.execute("ROLLBACK")
            await self._connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        self._open = True
        self.session = SqliteSession(self._connection)

    async def commit(self) -> None:
        self.session = None
        await self._connection.execute("COMMIT")
        self._open = False

    async def close(self) -> None:
        self.session = None
        try:
            if self._open:
                self._open = False
                await asyncio.shield(self._connection.execute("ROLLBACK"))
        finally:
            self._lock.release()


R = TypeVar("R", bound=SqlRepository)


class _Repository(Generic[R]):
    """A repository attribute of the unit of work, made when first read, then kept."""

    def __init__(self, kind: type[R]) -> None:
        self.kind = kind
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...
    @overload
    def __get__(self, uow: SqlUnitOfWork, owner: type) -> R: ...
    def __get__(self, uow: SqlUnitOfWork | None, owner: type) -> R | Self:
        if uow is None:
            return self
        repository = self.kind(uow)
        uow.__dict__[self.name] = repository  # later reads find it before this descriptor
        return repository


class SqlUnitOfWork:
    """Implements every domain's unit of work over one SQL transaction."""

    # Made on first use: a unit of work touches a few of them, and is made per request.
    accounts = _Repository(SqlAccounts)
    phone_verifications = _Repository(SqlPhoneVerifications)
    refresh_tokens = _Repository(SqlRefreshTokens)
    events = _Repository(SqlEvents)
    bookings = _Repository(SqlBookings)
    guests = _Repository(SqlGuestList)
    invitations = _Repository(SqlInvitations)
    idempotency = _Repository(SqlIdempotency)
    notifications = _Repository(SqlNotifications)
    outbox = _Repository(SqlOutbox)
    payments = _Repository(SqlPayments)
    refunds = _Repository(SqlRefunds)
    payouts = _Repository(SqlPayouts)
    ledger = _Repository(SqlLedger)
    provider_events = _Repository(SqlProviderEvents)
    sandbox = _Repository(SqlSandbox)
    conferences = _Repository(SqlConferences)
    points = _Repository(SqlPoints)
    participants = _Repository(SqlParticipants)
    staff = _Repository(SqlStaff)
    staff_invitations = _Repository(SqlStaffInvitations)
    perks = _Repository(SqlPerks)
    plans = _Repository(SqlPlans)
    subscriptions = _Repository(SqlSubscriptions)
    charges = _Repository(SqlCharges)
    conference_sizes = _Repository(SqlConferenceSizes)
    conference_accounts = _Repository(SqlConferenceAccounts)
    invoices = _Repository(SqlInvoices)
    partner_keys = _Repository(SqlPartnerKeys)
    partner_holds = _Repository(SqlPartnerHolds)
    plugin_activations = _Repository(SqlActivations)
    plugin_data = _Repository(SqlPluginData)
    partner_deliveries = _Repository(SqlDeliveries)
    partner_circuits = _Repository(SqlCircuits)
    plugin_problems = _Repository(SqlProblems)
    organiser_events = _Repository(SqlOrganiserEvents)
    tickets = _Repository(SqlTickets)
    reminders = _Repository(SqlReminders)
    reviews = _Repository(SqlReviews)
    waitlist = _Repository(SqlWaitlist)
    venues = _Repository(SqlVenues)
    seats = _Repository(SqlSeatHolds)
    listings = _Repository(SqlListings)
    purchases = _Repository(SqlPurchases)
    messages = _Repository(SqlMessages)
    resale_rules = _Repository(SqlResaleRules)

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database
        self._transaction: PostgresTransaction | SqliteTransaction | None = None
        self._seen: list[Aggregate] = []
        self._leave_gate: Callable[[], None] | None = None
        self._refused = False

    @property
    def session(self) -> Session:
        session = None if self._transaction is None else self._transaction.session
        if session is None:
            raise RuntimeError("use repositories inside `async with uow:` and before commit()")
        return session

    @property
    def barcodes(self) -> BarcodeVault:
        """The keys that seal ticket barcodes in this database."""
        return self._database.barcodes

    def track(self, aggregate: T) -> T:
        """Remember an aggregate so that commit() writes the events it recorded."""
        if isinstance(aggregate, Aggregate):
            self._seen.append(aggregate)
        return aggregate

    async def pass_gate(self, key: Hashable) -> None:
        """Queue behind this process's other writers of `key` until the transaction ends.

        A unit of work passes at most one gate (a second call is a no-op), so gates can never
        wait on each other in a cycle; PostgreSQL's deadlock detector still sees every lock.
        """
        if self._leave_gate is None and self._database.gate is not None:
            self._leave_gate = await self._database.gate.enter(key)

    def _open_gate(self) -> None:
        leave, self._leave_gate = self._leave_gate, None
        if leave is not None:
            leave()

    async def __aenter__(self) -> Self:
        transaction = self._database.transaction()
        await transaction.begin()
        self._transaction, self._seen, self._refused = transaction, [], False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        transaction, self._transaction = self._transaction, None
        self._seen = []
        try:
            if transaction is not None:
                await transaction.close()
        finally:
            self._open_gate()

    async def commit(self) -> None:
        if self._transaction is None or self._transaction.session is None:
            raise RuntimeError("commit() outside `async with uow:` or twice")
        if self._refused:
            raise RuntimeError("commit() after commit_taking_seats() refused: nothing to commit")
        events = await self._write_events()
        try:
            await self._transaction.commit()
        finally:
            self._open_gate()
        self._committed(events)

    async def commit_taking_seats(self, event_id: EventId, seats: int, now: datetime) -> bool:
        """On PostgreSQL the seats' update, the deferred writes and the outbox rows go as one
        statement (see PostgresSession.commit_if); SQLite takes the seats, then commits."""
        transaction = self._transaction
        if transaction is None or transaction.session is None:
            raise RuntimeError("commit_taking_seats() outside `async with uow:` or twice")
        if not isinstance(transaction, PostgresTransaction):
            if not await self.events.take_seats(event_id, seats, now):
                self._refused = True
                return False
            await self.commit()
            return True
        events = await self._write_events()
        guard, *values = SqlEvents.taking_seats(event_id, seats, now)
        try:
            if not await transaction.commit_if(
                guard, values, functools.partial(self.pass_gate, ("events", event_id))
            ):
                self._refused = True
                return False
        finally:
            self._open_gate()
        self._committed(events)
        return True

    async def _write_events(self) -> list[DomainEvent]:
        events = collect_events(self._seen)
        self._seen = []
        if events:
            await self.outbox.write(events)
        return events

    def _committed(self, events: list[DomainEvent]) -> None:
        if events and self._database.after_commit is not None:
            self._database.after_commit()
