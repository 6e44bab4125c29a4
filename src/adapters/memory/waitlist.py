"""The waiting list in memory; one active entry per guest and event, like the SQL index."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.memory.store import _Repo
from core.booking.model import EventId
from core.booking.waitlist import ACTIVE, EntryStatus, WaitlistEntry
from core.identity.model import AccountId
from core.shared.errors import Conflict

ALREADY = "you are already on this event's waiting list"


class MemoryWaitlist(_Repo):
    table = "waitlist"

    async def add(self, entry: WaitlistEntry) -> None:
        for other in self.tx.rows(self.table):
            if (other.event_id, other.guest_id) == (entry.event_id, entry.guest_id) and (
                other.status in ACTIVE
            ):
                raise Conflict(ALREADY)
        self.tx.put(self.table, entry.id, entry)
        self.tx.track(entry)

    async def get(self, entry_id: UUID) -> WaitlistEntry:
        return self._get(entry_id, "waiting list entry")  # type: ignore[no-any-return]

    async def save(self, entry: WaitlistEntry) -> None:
        self.tx.put(self.table, entry.id, entry)
        self.tx.track(entry)

    async def active(self, event_id: EventId) -> list[WaitlistEntry]:
        found = [
            e for e in self.tx.rows(self.table) if e.event_id == event_id and e.status in ACTIVE
        ]
        return sorted(found, key=lambda e: (e.created_at, e.id))

    async def lapsed_offers(self, now: datetime, limit: int) -> list[WaitlistEntry]:
        found = [
            e
            for e in self.tx.rows(self.table)
            if e.status is EntryStatus.OFFERED
            and e.offer_expires_at is not None
            and e.offer_expires_at <= now
        ]
        return sorted(found, key=lambda e: (e.offer_expires_at, e.id))[:limit]

    async def of_guest(self, guest_id: AccountId) -> list[WaitlistEntry]:
        found = [
            e for e in self.tx.rows(self.table) if e.guest_id == guest_id and e.status in ACTIVE
        ]
        return sorted(found, key=lambda e: e.id, reverse=True)
