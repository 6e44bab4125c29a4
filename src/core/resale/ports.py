"""What resale needs from storage and from the outside world."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from core.booking.ports import EventRepository
from core.identity.ports import AccountRepository
from core.payments.ports import PaymentsUnitOfWork
from core.resale.messages import Message, Thread
from core.resale.model import EventType, Listing, ListingId, Purchase, PurchaseId, ResaleRules
from core.shared.paging import Page, PageRequest
from core.shared.perks import PerkReader
from core.tickets.authenticity import AuthenticityChecker
from core.tickets.ports import TicketRepository


@attrs.frozen
class FeedFilter:
    """What a buyer looks for among available listings."""

    event_type: EventType | None = None
    city: str | None = None
    text: str | None = None


class ListingRepository(Protocol):
    async def get(self, listing_id: ListingId) -> Listing: ...

    async def get_for_update(self, listing_id: ListingId) -> Listing: ...

    async def add(self, listing: Listing) -> None:
        """Store a new listing; a barcode another live listing has is a Conflict."""
        ...

    async def save(self, listing: Listing) -> None: ...

    async def hold(
        self, listing_id: ListingId, purchase_id: PurchaseId, now: datetime, until: datetime
    ) -> bool:
        """Atomically: if the listing is available (or its hold lapsed by `now`) and its event
        has not started, hold it for `purchase_id` until `until`; False, changing nothing,
        otherwise. The one statement that decides which of many buyers at once pays."""
        ...

    async def feed(self, query: FeedFilter, now: datetime, page: PageRequest) -> Page[Listing]:
        """Available listings of events not started by `now`, newest first."""
        ...

    async def of_seller(self, seller_id: UUID, page: PageRequest) -> Page[Listing]:
        """Every listing of a seller, newest first."""
        ...

    async def of_buyer(self, buyer_id: UUID, page: PageRequest) -> Page[Listing]:
        """Listings a buyer bought, newest first."""
        ...

    async def due(self, now: datetime, limit: int) -> list[ListingId]:
        """Listings with something to do at `now`: unsold ones whose event started, sold ones
        whose escrow is due for release; oldest first."""
        ...

    async def unsold_of_event(self, event_id: UUID) -> list[ListingId]:
        """Available or held listings of Stagedoor tickets of one event, oldest first."""
        ...


class PurchaseRepository(Protocol):
    async def get(self, purchase_id: PurchaseId) -> Purchase: ...

    async def add(self, purchase: Purchase) -> None: ...

    async def save(self, purchase: Purchase) -> None: ...


class MessageRepository(Protocol):
    async def add(self, message: Message) -> None: ...

    async def thread(self, listing_id: UUID, buyer_id: UUID) -> list[Message]:
        """The messages between the listing's seller and one buyer, oldest first."""
        ...

    async def threads(self, listing_id: UUID) -> list[Thread]:
        """Every buyer's thread on a listing, most recent first."""
        ...


class ResaleRulesRepository(Protocol):
    async def get(self, organiser_id: UUID) -> ResaleRules | None: ...

    async def put(self, rules: ResaleRules) -> None: ...


class ResaleUnitOfWork(PaymentsUnitOfWork, Protocol):
    """Resale reads accounts, events, tickets and perks and writes payments with its own."""

    accounts: AccountRepository
    events: EventRepository
    tickets: TicketRepository
    perks: PerkReader
    listings: ListingRepository
    purchases: PurchaseRepository
    messages: MessageRepository
    resale_rules: ResaleRulesRepository


Checkers = Mapping[str, AuthenticityChecker]
"""The authenticity checkers by issuer; the Stagedoor one is always among them."""
