"""Booking repositories on SQL: events, bookings with their tickets, guest lists, invitations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.db.repository import (
    SqlRepository,
    like_pattern,
    money_fields,
    page_of,
    placeholders,
)
from adapters.db.session import Row, instant, uuid_of
from core.booking.model import (
    Booking,
    BookingId,
    BookingStatus,
    Event,
    EventDetails,
    EventFilter,
    EventId,
    EventStatus,
    GuestListEntry,
    Invitation,
    TicketStatus,
    Visibility,
)
from core.identity.model import AccountId
from core.payments.model import PaymentId
from core.shared.errors import NotFound
from core.shared.money import Money
from core.shared.paging import (
    Cursor,
    Page,
    PageRequest,
    id_after,
    id_cursor,
    instant_id_after,
    instant_id_cursor,
)
from core.tickets.model import Ticket

_EVENT = (
    "id, host_id, title, description, starts_at, ends_at, city, address, time_zone, capacity,"
    " booked, visibility, status, price_amount, price_currency, created_at, updated_at, venue_id"
)


def _event(row: Row) -> Event:
    price = money_fields(row["price_amount"], row["price_currency"])
    return Event(
        id=EventId(row["id"]),
        host_id=AccountId(row["host_id"]),
        details=EventDetails(
            title=row["title"],
            description=row["description"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            city=row["city"],
            address=row["address"],
            time_zone=row["time_zone"],
        ),
        capacity=row["capacity"],
        visibility=Visibility(row["visibility"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        price=None if price is None else Money(*price),
        status=EventStatus(row["status"]),
        booked=row["booked"],
        venue_id=row["venue_id"],
    )


def _event_values(event: Event) -> list[Any]:
    d = event.details
    return [
        event.id,
        event.host_id,
        d.title,
        d.description,
        d.starts_at,
        d.ends_at,
        d.city,
        d.address,
        d.time_zone,
        event.capacity,
        event.booked,
        event.visibility.value,
        event.status.value,
        None if event.price is None else event.price.amount,
        None if event.price is None else event.price.currency,
        event.created_at,
        event.updated_at,
        event.venue_id,
        d.city.casefold(),
        f"{d.title} {d.description}".casefold(),
    ]


EVENT_COLUMNS = _EVENT
"""The events columns `event_from_row` reads, for other domains' queries of events."""


def event_from_row(row: Row) -> Event:
    return _event(row)


def _event_cursor(event: Event) -> Cursor:
    return instant_id_cursor(event.starts_at, event.id)


class SqlEvents(SqlRepository):
    async def _one(self, event_id: EventId, lock: str) -> Event:
        row = await self.db.fetchrow(f"SELECT {_EVENT} FROM events WHERE id = $1{lock}", event_id)
        if row is None:
            raise NotFound("event not found")
        return self.track(_event(row))

    async def get(self, event_id: EventId) -> Event:
        return await self._one(event_id, "")

    async def get_for_update(self, event_id: EventId) -> Event:
        return await self._one(event_id, self.for_update)

    async def add(self, event: Event) -> None:
        await self.db.execute(
            f"INSERT INTO events ({_EVENT}, city_key, search_text) VALUES ({placeholders(1, 20)})",
            *_event_values(event),
        )
        self.track(event)

    async def save(self, event: Event) -> None:
        values = _event_values(event)
        await self.db.execute(
            "UPDATE events SET title = $2, description = $3, starts_at = $4, ends_at = $5,"
            " city = $6, address = $7, time_zone = $8, capacity = $9, booked = $10,"
            " visibility = $11, status = $12, price_amount = $13, price_currency = $14,"
            " updated_at = $15, city_key = $16, search_text = $17 WHERE id = $1",
            values[0],
            *values[2:15],
            *values[16:17],
            *values[18:],
        )
        self.track(event)

    async def take_seats(self, event_id: EventId, seats: int, now: datetime) -> bool:
        await self._uow.pass_gate(("events", event_id))
        return await self.db.fetchval(*self.taking_seats(event_id, seats, now)) is not None

    @staticmethod
    def taking_seats(event_id: EventId, seats: int, now: datetime) -> tuple[str, Any, ...]:
        """take_seats' conditional update (a row back when it took them), with its values."""
        return (
            "UPDATE events SET booked = booked + $2"
            " WHERE id = $1 AND status = $4 AND starts_at > $3 AND booked + $2 <= capacity"
            " RETURNING booked",
            event_id,
            seats,
            now,
            EventStatus.SCHEDULED.value,
        )

    async def search(self, query: EventFilter, page: PageRequest) -> Page[Event]:
        where = ["visibility = 'public'", "status = 'scheduled'"]
        args: list[Any] = []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if query.city is not None:
            where.append(f"city_key = {arg(query.city.casefold())}")
        if query.starts_from is not None:
            where.append(f"starts_at >= {arg(query.starts_from)}")
        if query.starts_to is not None:
            where.append(f"starts_at < {arg(query.starts_to)}")
        if query.text:
            where.append(f"search_text LIKE {arg(like_pattern(query.text.casefold()))} ESCAPE '\\'")
        if page.cursor is not None:
            starts_at, event_id = instant_id_after(page.cursor)
            where.append(f"(starts_at, id) > ({arg(starts_at)}, {arg(event_id)})")
        rows = await self.db.fetch(
            f"SELECT {_EVENT} FROM events WHERE {' AND '.join(where)}"
            f" ORDER BY starts_at, id LIMIT {arg(page.limit + 1)}",
            *args,
        )
        return page_of(rows, page.limit, _event, _event_cursor)

    async def hosted_by(
        self,
        host_id: AccountId,
        *,
        past: bool,
        now: datetime,
        page: PageRequest,
        public_only: bool = False,
    ) -> Page[Event]:
        when, order, beyond = ("<=", "DESC", "<") if past else (">", "", ">")
        args: list[Any] = [host_id, now]
        keyset = " AND visibility = 'public'" if public_only else ""
        if page.cursor is not None:
            starts_at, event_id = instant_id_after(page.cursor)
            args += [starts_at, event_id]
            keyset += f" AND (starts_at, id) {beyond} ($3, $4)"
        args.append(page.limit + 1)
        rows = await self.db.fetch(
            f"SELECT {_EVENT} FROM events WHERE host_id = $1 AND starts_at {when} $2{keyset}"
            f" ORDER BY starts_at {order}, id {order} LIMIT ${len(args)}",
            *args,
        )
        return page_of(rows, page.limit, _event, _event_cursor)


_BOOKING = (
    "id, event_id, guest_id, seats, status, amount_minor, currency, created_at, cancelled_at,"
    " payment_id, hold_expires_at, seat_ids"
)


def _booking(row: Row, tickets: list[Ticket]) -> Booking:
    amount = money_fields(row["amount_minor"], row["currency"])
    return Booking(
        id=BookingId(row["id"]),
        event_id=EventId(row["event_id"]),
        guest_id=AccountId(row["guest_id"]),
        seats=row["seats"],
        created_at=row["created_at"],
        status=BookingStatus(row["status"]),
        amount=None if amount is None else Money(*amount),
        cancelled_at=row["cancelled_at"],
        tickets=tickets,
        payment_id=row["payment_id"],
        hold_expires_at=row["hold_expires_at"],
        seat_ids=tuple(UUID(seat) for seat in row["seat_ids"].split(",") if seat),
    )


class SqlBookings(SqlRepository):
    async def _with_tickets(self, rows: Sequence[Row]) -> list[Booking]:
        if not rows:
            return []
        by_booking = await self._uow.tickets.of_bookings([row["id"] for row in rows])
        return [self.track(_booking(row, by_booking[row["id"]])) for row in rows]

    async def get(self, booking_id: BookingId) -> Booking:
        rows = await self.db.fetch(f"SELECT {_BOOKING} FROM bookings WHERE id = $1", booking_id)
        if not rows:
            raise NotFound("booking not found")
        return (await self._with_tickets(rows))[0]

    async def add(self, booking: Booking) -> None:
        b = booking
        amount = (None, None) if b.amount is None else (b.amount.amount, b.amount.currency)
        values = [
            b.id,
            b.event_id,
            b.guest_id,
            b.seats,
            b.status.value,
            *amount,
            b.created_at,
            b.cancelled_at,
            b.payment_id,
            b.hold_expires_at,
            ",".join(map(str, b.seat_ids)),
        ]
        # Deferred: on PostgreSQL a new booking, its tickets and whatever else the unit of work
        # writes go to the database together, with its commit (see Session.defer).
        await self.db.defer(
            f"INSERT INTO bookings ({_BOOKING}) VALUES ({placeholders(1, 12)})", *values
        )
        await self._uow.tickets.write(booking.tickets, new=True)
        self.track(booking)

    async def save(self, booking: Booking) -> None:
        await self.db.execute(
            "UPDATE bookings SET status = $2, cancelled_at = $3, payment_id = $4,"
            " hold_expires_at = $5 WHERE id = $1",
            booking.id,
            booking.status.value,
            booking.cancelled_at,
            booking.payment_id,
            booking.hold_expires_at,
        )
        await self._save_tickets(booking)
        self.track(booking)

    async def _save_tickets(self, booking: Booking) -> None:
        """Tickets are issued once (when a booking is confirmed) and updated after."""
        await self._uow.tickets.write(booking.tickets)

    async def list_for_guest(self, guest_id: AccountId, page: PageRequest) -> Page[Booking]:
        args: list[Any] = [guest_id]
        before = ""
        if page.cursor is not None:
            args.append(id_after(page.cursor))
            before = " AND id < $2"
        args.append(page.limit + 1)
        rows = await self.db.fetch(
            f"SELECT {_BOOKING} FROM bookings WHERE guest_id = $1{before}"
            f" ORDER BY id DESC LIMIT ${len(args)}",
            *args,
        )
        shown = await self._with_tickets(rows[: page.limit])
        more = len(rows) > page.limit
        return Page(shown, id_cursor(shown[-1].id) if more else None)

    async def has_active(self, event_id: EventId, guest_id: AccountId) -> bool:
        found = await self.db.fetchval(
            "SELECT 1 FROM bookings WHERE event_id = $1 AND guest_id = $2 AND status = $3 LIMIT 1",
            event_id,
            guest_id,
            BookingStatus.CONFIRMED.value,
        )
        return found is not None

    async def cancel_all_for_event(self, event_id: EventId, now: datetime) -> list[AccountId]:
        confirmed = await self.db.fetch(
            "SELECT guest_id FROM bookings WHERE event_id = $1 AND status = $2 ORDER BY id",
            event_id,
            BookingStatus.CONFIRMED.value,
        )
        await self.db.execute(
            "UPDATE bookings SET status = $3, cancelled_at = $4"
            " WHERE event_id = $1 AND status IN ($2, $5)",
            event_id,
            BookingStatus.CONFIRMED.value,
            BookingStatus.CANCELLED.value,
            now,
            BookingStatus.PENDING_PAYMENT.value,
        )
        await self.db.execute(
            "UPDATE tickets SET status = $2, on_sale = FALSE WHERE event_id = $1 AND status = $3",
            event_id,
            TicketStatus.VOID.value,
            TicketStatus.VALID.value,
        )
        return list(dict.fromkeys(AccountId(uuid_of(row["guest_id"])) for row in confirmed))

    async def payments_of_event(self, event_id: EventId) -> list[PaymentId]:
        rows = await self.db.fetch(
            "SELECT payment_id FROM bookings WHERE event_id = $1 AND payment_id IS NOT NULL"
            " ORDER BY id",
            event_id,
        )
        return [PaymentId(uuid_of(row["payment_id"])) for row in rows]


class SqlGuestList(SqlRepository):
    async def entries(self, event_id: EventId) -> list[GuestListEntry]:
        rows = await self.db.fetch(
            "SELECT b.guest_id, a.full_name, SUM(b.seats) AS seats,"
            " MIN(b.created_at) AS booked_at, MIN(b.id::text) AS first_booking"
            " FROM bookings b JOIN accounts a ON a.id = b.guest_id"
            " WHERE b.event_id = $1 AND b.status = $2"
            " GROUP BY b.guest_id, a.full_name ORDER BY first_booking",
            event_id,
            BookingStatus.CONFIRMED.value,
        )
        return [
            GuestListEntry(
                account_id=AccountId(uuid_of(row["guest_id"])),
                full_name=row["full_name"],
                seats=int(row["seats"]),
                booked_at=instant(row["booked_at"]),
            )
            for row in rows
        ]

    async def guest_ids(self, event_id: EventId) -> list[AccountId]:
        return [entry.account_id for entry in await self.entries(event_id)]


class SqlInvitations(SqlRepository):
    async def add(self, invitation: Invitation) -> None:
        await self.db.execute(
            "INSERT INTO invitations (id, event_id, token_hash, created_at)"
            " VALUES ($1, $2, $3, $4)",
            invitation.id,
            invitation.event_id,
            invitation.token_hash,
            invitation.created_at,
        )

    async def find(self, event_id: EventId, token_hash: str) -> Invitation | None:
        row = await self.db.fetchrow(
            "SELECT id, event_id, token_hash, created_at FROM invitations"
            " WHERE event_id = $1 AND token_hash = $2",
            event_id,
            token_hash,
        )
        if row is None:
            return None
        return Invitation(
            id=row["id"],
            event_id=EventId(row["event_id"]),
            token_hash=row["token_hash"],
            created_at=row["created_at"],
        )
