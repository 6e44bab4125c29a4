"""The waiting list on SQL; a partial unique index keeps one active entry per guest and event."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.db.repository import SqlRepository
from adapters.db.session import Row
from core.booking.model import EventId
from core.booking.tickets import BookingId
from core.booking.waitlist import EntryStatus, WaitlistEntry
from core.identity.model import AccountId
from core.shared.errors import NotFound

_ENTRY = "id, event_id, guest_id, seats, created_at, status, offer_expires_at, booking_id"
_ACTIVE = "status IN ('waiting', 'offered')"


def _entry(row: Row) -> WaitlistEntry:
    return WaitlistEntry(
        id=row["id"],
        event_id=EventId(row["event_id"]),
        guest_id=AccountId(row["guest_id"]),
        seats=row["seats"],
        created_at=row["created_at"],
        status=EntryStatus(row["status"]),
        offer_expires_at=row["offer_expires_at"],
        booking_id=None if row["booking_id"] is None else BookingId(row["booking_id"]),
    )


class SqlWaitlist(SqlRepository):
    async def add(self, entry: WaitlistEntry) -> None:
        e = entry
        await self.db.execute(
            f"INSERT INTO waitlist ({_ENTRY}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            e.id,
            e.event_id,
            e.guest_id,
            e.seats,
            e.created_at,
            e.status.value,
            e.offer_expires_at,
            e.booking_id,
        )
        self.track(entry)

    async def get(self, entry_id: UUID) -> WaitlistEntry:
        row = await self.db.fetchrow(f"SELECT {_ENTRY} FROM waitlist WHERE id = $1", entry_id)
        if row is None:
            raise NotFound("waiting list entry not found")
        return self.track(_entry(row))

    async def save(self, entry: WaitlistEntry) -> None:
        await self.db.execute(
            "UPDATE waitlist SET status = $2, offer_expires_at = $3, booking_id = $4 WHERE id = $1",
            entry.id,
            entry.status.value,
            entry.offer_expires_at,
            entry.booking_id,
        )
        self.track(entry)

    async def active(self, event_id: EventId) -> list[WaitlistEntry]:
        rows = await self.db.fetch(
            f"SELECT {_ENTRY} FROM waitlist WHERE event_id = $1 AND {_ACTIVE}"
            " ORDER BY created_at, id",
            event_id,
        )
        return [self.track(_entry(row)) for row in rows]

    async def lapsed_offers(self, now: datetime, limit: int) -> list[WaitlistEntry]:
        rows = await self.db.fetch(
            f"SELECT {_ENTRY} FROM waitlist WHERE status = 'offered' AND offer_expires_at <= $1"
            " ORDER BY offer_expires_at, id LIMIT $2",
            now,
            limit,
        )
        return [_entry(row) for row in rows]

    async def of_guest(self, guest_id: AccountId) -> list[WaitlistEntry]:
        rows = await self.db.fetch(
            f"SELECT {_ENTRY} FROM waitlist WHERE guest_id = $1 AND {_ACTIVE} ORDER BY id DESC",
            guest_id,
        )
        return [_entry(row) for row in rows]
