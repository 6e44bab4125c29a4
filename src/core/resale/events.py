"""Resale domain events."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.shared.events import DomainEvent
from core.shared.money import Money


@attrs.frozen(kw_only=True)
class ListingSold(DomainEvent):
    """A buyer paid for a listing; the seller and the buyer are told."""

    name = "resale.listing_sold"
    listing_id: UUID
    seller_id: UUID
    buyer_id: UUID
    event_name: str
    price: Money
    proceeds: Money


EVENTS: tuple[type[DomainEvent], ...] = (ListingSold,)
