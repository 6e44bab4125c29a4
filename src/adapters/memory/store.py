"""An in-memory database with transactions: one writer at a time, rollback by default.

Entities are copied in and out, so a use case that fails halfway leaves nothing behind,
just like a real transaction. The single lock plays the part of SQLite's BEGIN IMMEDIATE.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import attrs

from core.booking.model import (
    Booking,
    BookingId,
    BookingStatus,
    Event,
    EventFilter,
    EventId,
    EventStatus,
    GuestListEntry,
    Invitation,
    TicketStatus,
    Visibility,
)
from core.identity.model import Account, AccountId, PhoneVerification, RefreshToken
from core.notifications.model import Notification, NotificationStatus
from core.payments.model import PaymentId
from core.shared.errors import Conflict, NotFound
from core.shared.events import Aggregate
from core.shared.idempotency import IdempotencyRecord
from core.shared.outbox import OutboxMessage
from core.shared.paging import (
    Page,
    PageRequest,
    id_after,
    id_cursor,
    instant_id_after,
    instant_id_cursor,
)
from core.shared.uow import collect_events

T = TypeVar("T")


@attrs.define
class MemoryStore:
    """The committed state, shared by every unit of work made from it."""

    tables: dict[str, dict[Any, Any]] = attrs.field(factory=dict)
    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)
    after_commit: Callable[[], None] | None = None

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})

    def new_uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


def _detached(value: T) -> T:
    clone = copy.deepcopy(value)
    if isinstance(clone, Aggregate):
        clone.pull_events()
    return clone


class _Tx:
    """Reads see this transaction's own writes; writes land in the store only at commit."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.pending: dict[str, dict[Any, Any]] = {}
        self.seen: list[Aggregate] = []

    def get(self, table: str, key: Any) -> Any | None:
        if key in self.pending.get(table, {}):
            return _detached(self.pending[table][key])
        value = self.store.table(table).get(key)
        return None if value is None else _detached(value)

    def put(self, table: str, key: Any, value: Any) -> None:
        self.pending.setdefault(table, {})[key] = _detached(value)

    def rows(self, table: str) -> Iterator[Any]:
        merged = {**self.store.table(table), **self.pending.get(table, {})}
        return (_detached(v) for v in merged.values())

    def track(self, aggregate: T) -> T:
        if isinstance(aggregate, Aggregate):
            self.seen.append(aggregate)
        return aggregate

    def apply(self) -> None:
        for table, rows in self.pending.items():
            self.store.table(table).update(rows)
        self.pending.clear()


class _Repo:
    table = ""

    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def _get(self, key: Any, what: str) -> Any:
        value = self.tx.get(self.table, key)
        if value is None:
            raise NotFound(f"{what} not found")
        return self.tx.track(value)


class MemoryAccounts(_Repo):
    table = "accounts"

    async def get(self, account_id: AccountId) -> Account:
        return self._get(account_id, "account")  # type: ignore[no-any-return]

    async def find_by_email(self, email: str) -> Account | None:
        found = next((a for a in self.tx.rows(self.table) if a.email == email), None)
        return self.tx.track(found)

    async def find_by_verified_phone(self, phone: str) -> Account | None:
        found = next(
            (a for a in self.tx.rows(self.table) if a.phone == phone and a.phone_verified), None
        )
        return self.tx.track(found)

    async def add(self, account: Account) -> None:
        if await self.find_by_email(account.email) is not None:
            raise Conflict("an account with this email exists")
        self.tx.put(self.table, account.id, account)
        self.tx.track(account)

    async def save(self, account: Account) -> None:
        if account.phone_verified:
            owner = await self.find_by_verified_phone(account.phone or "")
            if owner is not None and owner.id != account.id:
                raise Conflict("this phone is verified for another account")
        self.tx.put(self.table, account.id, account)
        self.tx.track(account)


class MemoryPhoneVerifications(_Repo):
    table = "phone_verifications"

    async def add(self, verification: PhoneVerification) -> None:
        self.tx.put(self.table, verification.id, verification)

    async def latest(self, account_id: AccountId, phone: str) -> PhoneVerification | None:
        mine = [
            v for v in self.tx.rows(self.table) if v.account_id == account_id and v.phone == phone
        ]
        return max(mine, key=lambda v: (v.created_at, v.id), default=None)

    async def sent_since(self, phone: str, since: datetime) -> list[datetime]:
        return [
            v.created_at
            for v in self.tx.rows(self.table)
            if v.phone == phone and v.created_at > since
        ]

    async def save(self, verification: PhoneVerification) -> None:
        self.tx.put(self.table, verification.id, verification)


class MemoryRefreshTokens(_Repo):
    table = "refresh_tokens"

    async def add(self, token: RefreshToken) -> None:
        self.tx.put(self.table, token.id, token)

    async def find(self, token_hash: str) -> RefreshToken | None:
        return next((t for t in self.tx.rows(self.table) if t.token_hash == token_hash), None)

    async def save(self, token: RefreshToken) -> None:
        self.tx.put(self.table, token.id, token)

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        for token in self.tx.rows(self.table):
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = now
                self.tx.put(self.table, token.id, token)


def _event_key(event: Event) -> tuple[datetime, UUID]:
    return (event.starts_at, event.id)


class MemoryEvents(_Repo):
    table = "events"

    async def get(self, event_id: EventId) -> Event:
        return self._get(event_id, "event")  # type: ignore[no-any-return]

    async def get_for_update(self, event_id: EventId) -> Event:
        return await self.get(event_id)  # the store's lock already serialises writers

    async def add(self, event: Event) -> None:
        self.tx.put(self.table, event.id, event)
        self.tx.track(event)

    async def save(self, event: Event) -> None:
        if not 0 <= event.booked <= event.capacity:
            raise Conflict("booked seats must stay between 0 and capacity")
        self.tx.put(self.table, event.id, event)
        self.tx.track(event)

    async def take_seats(self, event_id: EventId, seats: int, now: datetime) -> bool:
        event: Event | None = self.tx.get(self.table, event_id)
        if (
            event is None
            or event.status is not EventStatus.SCHEDULED
            or now >= event.starts_at
            or event.booked + seats > event.capacity
        ):
            return False
        event.booked += seats
        self.tx.put(self.table, event.id, event)
        return True

    async def search(self, query: EventFilter, page: PageRequest) -> Page[Event]:
        def matches(e: Event) -> bool:
            text = (query.text or "").casefold()
            return (
                e.visibility is Visibility.PUBLIC
                and e.status is EventStatus.SCHEDULED
                and (query.city is None or e.details.city.casefold() == query.city.casefold())
                and (query.starts_from is None or e.starts_at >= query.starts_from)
                and (query.starts_to is None or e.starts_at < query.starts_to)
                and (not text or text in f"{e.details.title} {e.details.description}".casefold())
            )

        found = sorted((e for e in self.tx.rows(self.table) if matches(e)), key=_event_key)
        if page.cursor is not None:
            after = instant_id_after(page.cursor)
            found = [e for e in found if _event_key(e) > after]
        return _page(found, page.limit, lambda e: instant_id_cursor(e.starts_at, e.id))

    async def hosted_by(
        self,
        host_id: AccountId,
        *,
        past: bool,
        now: datetime,
        page: PageRequest,
        public_only: bool = False,
    ) -> Page[Event]:
        mine = [
            e
            for e in self.tx.rows(self.table)
            if e.host_id == host_id
            and (e.starts_at <= now if past else e.starts_at > now)
            and (e.visibility is Visibility.PUBLIC or not public_only)
        ]
        mine.sort(key=_event_key, reverse=past)
        if page.cursor is not None:
            after = instant_id_after(page.cursor)
            mine = [e for e in mine if (_event_key(e) < after if past else _event_key(e) > after)]
        return _page(mine, page.limit, lambda e: instant_id_cursor(e.starts_at, e.id))


def _page(items: Sequence[T], limit: int, cursor_of: Any) -> Page[T]:
    chunk = list(items[:limit])
    more = len(items) > limit
    return Page(chunk, cursor_of(chunk[-1]) if more and chunk else None)


class MemoryBookings(_Repo):
    """Bookings without their tickets; the tickets live in the tickets table, as in SQL."""

    table = "bookings"

    def _joined(self, booking: Booking) -> Booking:
        booking.tickets = MemoryTickets(self.tx).of_booking(booking.id)
        return booking

    async def get(self, booking_id: BookingId) -> Booking:
        return self._joined(self._get(booking_id, "booking"))

    async def add(self, booking: Booking) -> None:
        tickets = MemoryTickets(self.tx)
        for ticket in booking.tickets:
            await tickets.add(ticket)
        self.tx.put(self.table, booking.id, attrs.evolve(booking, tickets=[]))
        self.tx.track(booking)

    save = add

    async def list_for_guest(self, guest_id: AccountId, page: PageRequest) -> Page[Booking]:
        mine = sorted(
            (b for b in self.tx.rows(self.table) if b.guest_id == guest_id),
            key=lambda b: b.id,
            reverse=True,
        )
        if page.cursor is not None:
            before = id_after(page.cursor)
            mine = [b for b in mine if b.id < before]
        found = _page(mine, page.limit, lambda b: id_cursor(b.id))
        return Page([self._joined(b) for b in found.items], found.next_cursor)

    async def has_active(self, event_id: EventId, guest_id: AccountId) -> bool:
        return any(
            b.event_id == event_id
            and b.guest_id == guest_id
            and b.status is BookingStatus.CONFIRMED
            for b in self.tx.rows(self.table)
        )

    async def cancel_all_for_event(self, event_id: EventId, now: datetime) -> list[AccountId]:
        guests: dict[AccountId, None] = {}
        live = (BookingStatus.CONFIRMED, BookingStatus.PENDING_PAYMENT)
        for booking in sorted(self.tx.rows(self.table), key=lambda b: b.id):
            if booking.event_id == event_id and booking.status in live:
                if booking.status is BookingStatus.CONFIRMED:
                    guests[booking.guest_id] = None
                booking.status = BookingStatus.CANCELLED
                booking.cancelled_at = now
                self.tx.put(self.table, booking.id, booking)
        for ticket in self.tx.rows(MemoryTickets.table):
            if ticket.event_id == event_id and ticket.status is TicketStatus.VALID:
                ticket.void()
                self.tx.put(MemoryTickets.table, ticket.id, ticket)
        return list(guests)

    async def payments_of_event(self, event_id: EventId) -> list[PaymentId]:
        mine = sorted(
            (b for b in self.tx.rows(self.table) if b.event_id == event_id and b.payment_id),
            key=lambda b: b.id,
        )
        return [PaymentId(b.payment_id) for b in mine]


class MemoryGuestList(_Repo):
    table = "bookings"

    async def entries(self, event_id: EventId) -> list[GuestListEntry]:
        seats: dict[AccountId, int] = {}
        first: dict[AccountId, datetime] = {}
        for b in sorted(self.tx.rows(self.table), key=lambda b: b.id):
            if b.event_id == event_id and b.status is BookingStatus.CONFIRMED:
                seats[b.guest_id] = seats.get(b.guest_id, 0) + b.seats
                first.setdefault(b.guest_id, b.created_at)
        entries = []
        for guest, count in seats.items():
            account = self.tx.get("accounts", guest)
            name = account.full_name if account else "?"
            entries.append(GuestListEntry(guest, name, count, first[guest]))
        return entries

    async def guest_ids(self, event_id: EventId) -> list[AccountId]:
        return [e.account_id for e in await self.entries(event_id)]


class MemoryInvitations(_Repo):
    table = "invitations"

    async def add(self, invitation: Invitation) -> None:
        self.tx.put(self.table, invitation.id, invitation)

    async def find(self, event_id: EventId, token_hash: str) -> Invitation | None:
        return next(
            (
                i
                for i in self.tx.rows(self.table)
                if i.event_id == event_id and i.token_hash == token_hash
            ),
            None,
        )


class MemoryIdempotency(_Repo):
    table = "idempotency"

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        return self.tx.get(self.table, (scope, key))  # type: ignore[no-any-return]

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        held: IdempotencyRecord | None = self.tx.get(self.table, (record.scope, record.key))
        if held is None:
            self.tx.put(self.table, (record.scope, record.key), record)
        return held


class MemoryNotifications(_Repo):
    table = "notifications"

    async def add_if_absent(self, notification: Notification) -> bool:
        if any(n.dedupe_key == notification.dedupe_key for n in self.tx.rows(self.table)):
            return False
        self.tx.put(self.table, notification.id, notification)
        self.tx.track(notification)
        return True

    async def get(self, notification_id: UUID) -> Notification:
        return self._get(notification_id, "notification")  # type: ignore[no-any-return]

    get_for_update = get  # the store's lock already serialises writers

    async def save(self, notification: Notification) -> None:
        self.tx.put(self.table, notification.id, notification)

    async def claim_pending(self, limit: int) -> list[Notification]:
        pending = [n for n in self.tx.rows(self.table) if n.status is NotificationStatus.PENDING]
        return sorted(pending, key=lambda n: n.id)[:limit]

    async def mark_sent(self, ids: Sequence[UUID], now: datetime) -> None:
        for notification_id in ids:
            notification = self.tx.get(self.table, notification_id)
            if notification is not None:
                notification.mark_sent(now)
                self.tx.put(self.table, notification_id, notification)


@attrs.define
class _OutboxRow:
    message: OutboxMessage
    published_at: datetime | None = None


class MemoryOutbox(_Repo):
    table = "outbox"

    def write(self, message: OutboxMessage) -> None:
        self.tx.put(self.table, message.id, _OutboxRow(message))

    async def claim(self, limit: int) -> list[OutboxMessage]:
        rows = sorted(
            (r for r in self.tx.rows(self.table) if r.published_at is None),
            key=lambda r: r.message.id,
        )
        return [r.message for r in rows[:limit]]

    async def mark_published(self, ids: Sequence[UUID], now: datetime) -> None:
        for message_id in ids:
            row = self.tx.get(self.table, message_id)
            if row is not None:
                row.published_at = now
                self.tx.put(self.table, message_id, row)

    async def get(self, message_id: UUID) -> OutboxMessage:
        row = self.tx.get(self.table, message_id)
        if row is None:
            raise NotFound("outbox message not found")
        return row.message  # type: ignore[no-any-return]

    def pending(self) -> list[OutboxMessage]:
        """Unpublished messages, for tests that look inside."""
        return [r.message for r in self.tx.rows(self.table) if r.published_at is None]


class MemoryUnitOfWork:
    """One transaction over a MemoryStore; implements every domain's unit of work."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._tx = _Tx(store)
        self._refused = False
        self._bind()

    def _bind(self) -> None:
        tx = self._tx
        self.accounts = MemoryAccounts(tx)
        self.phone_verifications = MemoryPhoneVerifications(tx)
        self.refresh_tokens = MemoryRefreshTokens(tx)
        self.events = MemoryEvents(tx)
        self.bookings = MemoryBookings(tx)
        self.guests = MemoryGuestList(tx)
        self.invitations = MemoryInvitations(tx)
        self.idempotency = MemoryIdempotency(tx)
        self.notifications = MemoryNotifications(tx)
        self.outbox = MemoryOutbox(tx)
        self.payments = MemoryPayments(tx)
        self.refunds = MemoryRefunds(tx)
        self.payouts = MemoryPayouts(tx)
        self.ledger = MemoryLedger(tx)
        self.provider_events = MemoryProviderEvents(tx)
        self.sandbox = MemorySandbox(tx)
        self.conferences = MemoryConferences(tx)
        self.points = MemoryPoints(tx)
        self.participants = MemoryParticipants(tx)
        self.staff = MemoryStaff(tx)
        self.staff_invitations = MemoryStaffInvitations(tx)
        self.perks = MemoryPerks(tx)
        self.plans = MemoryPlans(tx)
        self.subscriptions = MemorySubscriptions(tx)
        self.charges = MemoryCharges(tx)
        self.conference_sizes = MemoryConferenceSizes(tx)
        self.conference_accounts = MemoryConferenceAccounts(tx)
        self.invoices = MemoryInvoices(tx)
        self.partner_keys = MemoryPartnerKeys(tx)
        self.partner_holds = MemoryPartnerHolds(tx)
        self.plugin_activations = MemoryActivations(tx)
        self.plugin_data = MemoryPluginData(tx)
        self.partner_deliveries = MemoryDeliveries(tx)
        self.partner_circuits = MemoryCircuits(tx)
        self.plugin_problems = MemoryProblems(tx)
        self.organiser_events = MemoryOrganiserEvents(tx)
        self.tickets = MemoryTickets(tx)
        self.listings = MemoryListings(tx)
        self.purchases = MemoryPurchases(tx)
        self.messages = MemoryMessages(tx)
        self.resale_rules = MemoryResaleRules(tx)
        self.reminders = MemoryReminders(tx)
        self.reviews = MemoryReviews(tx)
        self.waitlist = MemoryWaitlist(tx)
        self.venues = MemoryVenues(tx)
        self.seats = MemorySeatHolds(tx)

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._tx = _Tx(self._store)
        self._refused = False
        self._bind()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tx.pending.clear()  # anything not committed is rolled back
        self._store.lock.release()

    async def commit_taking_seats(self, event_id: EventId, seats: int, now: datetime) -> bool:
        if not await self.events.take_seats(event_id, seats, now):
            self._tx.pending.clear()  # nothing of this unit of work is committed
            self._tx.seen.clear()
            self._refused = True
            return False
        await self.commit()
        return True

    async def commit(self) -> None:
        if self._refused:
            raise RuntimeError("commit() after commit_taking_seats() refused: nothing to commit")
        for event in collect_events(self._tx.seen):
            self.outbox.write(OutboxMessage(event.event_id, event, event.occurred_at))
        wrote_events = bool(self._tx.pending.get("outbox"))
        self._tx.apply()
        self._tx.seen.clear()
        if wrote_events and self._store.after_commit is not None:
            self._store.after_commit()


from adapters.memory.distribution import (  # noqa: E402
    MemoryConferences,
    MemoryParticipants,
    MemoryPoints,
    MemoryStaff,
    MemoryStaffInvitations,
)
from adapters.memory.partners import (  # noqa: E402
    MemoryActivations,
    MemoryCircuits,
    MemoryDeliveries,
    MemoryOrganiserEvents,
    MemoryPartnerHolds,
    MemoryPartnerKeys,
    MemoryPluginData,
    MemoryProblems,
)
from adapters.memory.payments import (  # noqa: E402 - they build on _Repo above
    MemoryLedger,
    MemoryPayments,
    MemoryPayouts,
    MemoryProviderEvents,
    MemoryRefunds,
)
from adapters.memory.perks import MemoryPerks  # noqa: E402
from adapters.memory.reminders import MemoryReminders  # noqa: E402
from adapters.memory.resale import (  # noqa: E402
    MemoryListings,
    MemoryMessages,
    MemoryPurchases,
    MemoryResaleRules,
)
from adapters.memory.reviews import MemoryReviews  # noqa: E402
from adapters.memory.sandbox import MemorySandbox  # noqa: E402
from adapters.memory.seating import MemorySeatHolds, MemoryVenues  # noqa: E402
from adapters.memory.subscriptions import (  # noqa: E402
    MemoryCharges,
    MemoryConferenceAccounts,
    MemoryConferenceSizes,
    MemoryInvoices,
    MemoryPlans,
    MemorySubscriptions,
)
from adapters.memory.tickets import MemoryTickets  # noqa: E402
from adapters.memory.waitlist import MemoryWaitlist  # noqa: E402
