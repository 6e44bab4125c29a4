"""Venues and seat holds on SQL.

A venue's map is kept whole as JSON. A seat hold is a row per (event, seat, booking); the
partial unique index `seat_holds_live_key` on (event_id, seat_id) WHERE released_at IS NULL
lets one live row per seat exist, so two buyers of one seat can never both commit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from uuid import UUID

from adapters.db.repository import SqlRepository, insert_rows
from core.booking.seating import Venue, venue_document, venue_from_document
from core.shared.errors import NotFound


class SqlVenues(SqlRepository):
    async def add(self, venue: Venue) -> None:
        await self.db.execute(
            "INSERT INTO venues (id, owner_id, name, seat_map, seats, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            venue.id,
            venue.owner_id,
            venue.name,
            json.dumps(venue_document(venue), ensure_ascii=False),
            len(venue.seats),
            venue.created_at,
        )

    async def get(self, venue_id: UUID) -> Venue:
        row = await self.db.fetchrow(
            "SELECT id, owner_id, seat_map, created_at FROM venues WHERE id = $1", venue_id
        )
        if row is None:
            raise NotFound("venue not found")
        return venue_from_document(
            row["id"], row["owner_id"], row["created_at"], json.loads(row["seat_map"])
        )


class SqlSeatHolds(SqlRepository):
    async def taken(self, event_id: UUID) -> frozenset[UUID]:
        rows = await self.db.fetch(
            "SELECT seat_id FROM seat_holds WHERE event_id = $1 AND released_at IS NULL", event_id
        )
        return frozenset(
            r["seat_id"] if isinstance(r["seat_id"], UUID) else UUID(r["seat_id"]) for r in rows
        )

    async def hold(self, event_id: UUID, booking_id: UUID, seat_ids: Sequence[UUID]) -> None:
        await insert_rows(
            self.db,
            "INSERT INTO seat_holds (event_id, seat_id, booking_id)",
            [(event_id, seat, booking_id) for seat in seat_ids],
            defer=True,
        )

    async def release(self, booking_id: UUID) -> None:
        await self.db.execute(
            "UPDATE seat_holds SET released_at = CURRENT_TIMESTAMP"
            " WHERE booking_id = $1 AND released_at IS NULL",
            booking_id,
        )

    async def release_event(self, event_id: UUID) -> None:
        await self.db.execute(
            "UPDATE seat_holds SET released_at = CURRENT_TIMESTAMP"
            " WHERE event_id = $1 AND released_at IS NULL",
            event_id,
        )
