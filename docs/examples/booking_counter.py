"""Booking counter: a whole Stagedoor plugin in one file (docs/plugins.md walks through it).

It counts the seats booked at each organiser's events and shows the count to the organiser
at GET /plugins/booking-counter/count.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import get
from litestar.di import NamedDependency

from core.booking.events import BookingConfirmed
from core.partners import Caller, PluginContext
from core.shared.events import DomainEvent


class BookingCounter:
    name = "booking-counter"
    version = "0.1.0"
    requires_api = ">=1.0,<2"

    def setup(self, ctx: PluginContext) -> None:
        title = ctx.setting("title", "Seats booked")

        async def count(event: DomainEvent, organiser: UUID) -> None:
            assert isinstance(event, BookingConfirmed)
            # One key per booking: a repeated delivery writes the same key again, and two
            # workers counting at once never overwrite each other.
            await ctx.store.put(f"booked:{organiser}:{event.booking_id}", str(event.seats))

        @get("/count")
        async def show(caller: NamedDependency[Caller]) -> dict[str, Any]:
            organiser = caller.require()  # 401 for anonymous callers
            booked = await ctx.store.items(f"booked:{organiser}:", limit=1000)
            return {"title": title, "seats": sum(int(seats) for _, seats in booked)}

        ctx.subscribe(BookingConfirmed, count)
        ctx.add_routes(show)


plugin = BookingCounter()
