"""How an event stands for sale, as partners and watchers see it: one snapshot, read fresh.

The event's `booked` counter is the one truth for seats sold by Stagedoor and by partners
alike; a snapshot is a copy of it at a moment, with what a partner needs to list the event.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import attrs

from core.booking.model import Event, EventStatus, Visibility
from core.shared.money import Money

LOW_STOCK_SHARE = 10
"""At most this percentage of the capacity left (and at least one seat) is "limited"."""
LOW_STOCK_FLOOR = 5
"""...or at most this many seats, whichever is more."""


class Availability(enum.StrEnum):
    """schema.org's ItemAvailability values, by their short names."""

    IN_STOCK = "InStock"
    LIMITED = "LimitedAvailability"
    SOLD_OUT = "SoldOut"
    DISCONTINUED = "Discontinued"
    """Not on sale any more: the event was cancelled or has started."""


@attrs.frozen
class AvailabilitySnapshot:
    """An event and what is left of it, at `taken_at`."""

    event_id: UUID
    organiser_id: UUID
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    city: str
    address: str
    capacity: int
    seats_left: int
    price: Money | None
    cancelled: bool
    public: bool
    taken_at: datetime

    @property
    def on_sale(self) -> bool:
        return not self.cancelled and self.taken_at < self.starts_at

    @property
    def availability(self) -> Availability:
        if not self.on_sale:
            return Availability.DISCONTINUED
        if self.seats_left <= 0:
            return Availability.SOLD_OUT
        low = max(LOW_STOCK_FLOOR, self.capacity * LOW_STOCK_SHARE // 100)
        return Availability.LIMITED if self.seats_left <= low else Availability.IN_STOCK

    @property
    def can_buy(self) -> bool:
        return self.on_sale and self.seats_left > 0


def snapshot_of(event: Event, now: datetime) -> AvailabilitySnapshot:
    d = event.details
    return AvailabilitySnapshot(
        event_id=event.id,
        organiser_id=event.host_id,
        title=d.title,
        description=d.description,
        starts_at=d.starts_at,
        ends_at=d.ends_at,
        time_zone=d.time_zone,
        city=d.city,
        address=d.address,
        capacity=event.capacity,
        seats_left=max(0, event.seats_left) if event.status is EventStatus.SCHEDULED else 0,
        price=event.price,
        cancelled=event.status is EventStatus.CANCELLED,
        public=event.visibility is Visibility.PUBLIC,
        taken_at=now,
    )
