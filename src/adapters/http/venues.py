"""Venues with seat maps: import one as JSON, read it back, see an event's seats.

The JSON format is described in core.booking.seating; a wrong field is a 422 naming it
(`sections[0].rows[2].category`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from adapters.http.auth import BEARER, OPTIONAL_BEARER, CurrentAccount, Viewer
from adapters.http.deps import PlatformDep
from adapters.http.events import Invite
from adapters.http.problems import problem_responses
from adapters.http.schemas import MoneyOut
from core.booking import services
from core.booking.model import EventId
from core.booking.seating import Seat, Venue, venue_document


class VenueOut(msgspec.Struct):
    id: UUID
    name: str
    seats: int
    seat_map: dict[str, Any]
    """Categories and every seat with its id, section, row, number, category and position."""

    @classmethod
    def of(cls, venue: Venue) -> VenueOut:
        return cls(venue.id, venue.name, len(venue.seats), venue_document(venue))


class SeatOut(msgspec.Struct):
    id: UUID
    section: str
    row: str
    number: int
    category: str
    price: MoneyOut | None
    x: int
    y: int
    free: bool

    @classmethod
    def of(cls, seat: Seat, venue: Venue, taken: frozenset[UUID]) -> SeatOut:
        price = venue.category(seat.category).price
        return cls(
            seat.id,
            seat.section,
            seat.row,
            seat.number,
            seat.category,
            MoneyOut.of(price),
            seat.x,
            seat.y,
            seat.id not in taken,
        )


class SeatPlanOut(msgspec.Struct):
    venue_id: UUID
    seats: list[SeatOut]


class VenuesController(Controller):
    path = "/api/v1"
    tags = ["venues"]

    @post(
        "/venues",
        status_code=201,
        operation_id="importVenue",
        security=BEARER,
        responses=problem_responses(401, 422),
    )
    async def add(
        self, data: JSONBody[dict[str, Any]], platform: PlatformDep, account_id: CurrentAccount
    ) -> VenueOut:
        """Import a venue's seat map: sections of rows of seats, and price categories."""
        venue = await services.add_venue(
            account_id, data, uow=platform.new_uow(), clock=platform.clock
        )
        return VenueOut.of(venue)

    @get("/venues/{venue_id:uuid}", operation_id="getVenue", responses=problem_responses(404))
    async def read(self, venue_id: FromPath[UUID], platform: PlatformDep) -> VenueOut:
        """A venue and its whole seat map."""
        return VenueOut.of(await services.get_venue(venue_id, uow=platform.new_uow()))

    @get(
        "/events/{event_id:uuid}/seats",
        operation_id="seatPlan",
        security=OPTIONAL_BEARER,
        responses=problem_responses(401, 404),
    )
    async def seats(
        self, event_id: FromPath[UUID], platform: PlatformDep, viewer: Viewer, invite: Invite = None
    ) -> SeatPlanOut:
        """Every seat of a seated event with its price and whether it is still free."""
        venue, taken = await services.seat_plan(
            EventId(event_id), viewer=viewer, invite_token=invite, uow=platform.new_uow()
        )
        return SeatPlanOut(venue.id, [SeatOut.of(s, venue, taken) for s in venue.seats])
