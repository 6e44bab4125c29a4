"""Venues and seat holds in memory; a live seat is held once, like the SQL partial index."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from adapters.memory.store import _Repo
from core.booking.seating import Venue
from core.shared.errors import Conflict

SEAT_TAKEN = "one of these seats was just taken; choose other seats"


class MemoryVenues(_Repo):
    table = "venues"

    async def add(self, venue: Venue) -> None:
        self.tx.put(self.table, venue.id, venue)

    async def get(self, venue_id: UUID) -> Venue:
        return self._get(venue_id, "venue")  # type: ignore[no-any-return]


class MemorySeatHolds(_Repo):
    """Rows keyed by (event, seat) while live; released ones are forgotten."""

    table = "seat_holds"

    async def taken(self, event_id: UUID) -> frozenset[UUID]:
        return frozenset(
            seat for (event, seat), booking in self._live() if event == event_id and booking
        )

    def _live(self) -> list[tuple[tuple[UUID, UUID], UUID | None]]:
        merged = {**self.tx.store.table(self.table), **self.tx.pending.get(self.table, {})}
        return list(merged.items())

    async def hold(self, event_id: UUID, booking_id: UUID, seat_ids: Sequence[UUID]) -> None:
        if set(seat_ids) & await self.taken(event_id):
            raise Conflict(SEAT_TAKEN)
        for seat in seat_ids:
            self.tx.put(self.table, (event_id, seat), booking_id)

    async def release(self, booking_id: UUID) -> None:
        for key, booking in self._live():
            if booking == booking_id:
                self.tx.put(self.table, key, None)

    async def release_event(self, event_id: UUID) -> None:
        for key, booking in self._live():
            if key[0] == event_id and booking:
                self.tx.put(self.table, key, None)
