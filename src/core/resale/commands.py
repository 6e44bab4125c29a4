"""Resale commands: what people ask the marketplace to do."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.resale.model import EventType, ListingDetails, ListingId
from core.shared.money import Money
from core.tickets.authenticity import STAGEDOOR


@attrs.frozen
class ListTicket:
    """Offer a ticket. A Stagedoor ticket's event facts come from its event (`details` may be
    None); an external ticket needs `details` and is checked by its issuer's checker."""

    seller_id: UUID
    barcode: str = attrs.field(repr=False)
    price: Money
    event_type: EventType
    issuer: str = STAGEDOOR
    details: ListingDetails | None = None


@attrs.frozen
class BuyListing:
    listing_id: ListingId
    buyer_id: UUID


@attrs.frozen
class SendMessage:
    """`buyer_id` names the thread when the seller writes; a buyer writes in their own."""

    listing_id: ListingId
    author_id: UUID
    body: str
    buyer_id: UUID | None = None
