"""Resale in memory: listings, purchases, messages and organiser rules."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from core.resale.messages import Message, Thread
from core.resale.model import (
    LIVE,
    Escrow,
    Listing,
    ListingId,
    ListingStatus,
    Purchase,
    PurchaseId,
    ResaleRules,
)
from core.resale.ports import FeedFilter
from core.shared.errors import Conflict
from core.shared.paging import Page, PageRequest, id_after, id_cursor

if TYPE_CHECKING:
    from adapters.memory.store import _Repo
else:  # imported at the end of adapters.memory.store, once _Repo exists
    from adapters.memory.store import _Repo


def _newest_first(items: list[Listing], page: PageRequest) -> Page[Listing]:
    items = sorted(items, key=lambda item: item.id, reverse=True)
    if page.cursor is not None:
        before = id_after(page.cursor)
        items = [item for item in items if item.id < before]
    chunk = items[: page.limit]
    return Page(chunk, id_cursor(chunk[-1].id) if len(items) > page.limit else None)


class MemoryListings(_Repo):
    table = "listings"

    async def get(self, listing_id: ListingId) -> Listing:
        return self._get(listing_id, "listing")  # type: ignore[no-any-return]

    async def get_for_update(self, listing_id: ListingId) -> Listing:
        return await self.get(listing_id)  # the store's lock already serialises writers

    async def add(self, listing: Listing) -> None:
        await self.save(listing)

    async def save(self, listing: Listing) -> None:
        if listing.status in LIVE:
            for other in self.tx.rows(self.table):
                clash = other.status in LIVE and other.barcode == listing.barcode
                if clash and other.id != listing.id:
                    raise Conflict("this ticket is already on sale here")
        self.tx.put(self.table, listing.id, listing)
        self.tx.track(listing)

    async def hold(
        self, listing_id: ListingId, purchase_id: PurchaseId, now: datetime, until: datetime
    ) -> bool:
        listing: Listing | None = self.tx.get(self.table, listing_id)
        if listing is None or now >= listing.details.starts_at:
            return False
        if listing.status is not ListingStatus.AVAILABLE and not listing.held_lapsed(now):
            return False
        listing.status, listing.purchase_id, listing.hold_expires_at = (
            ListingStatus.HELD,
            purchase_id,
            until,
        )
        listing.updated_at = now
        self.tx.put(self.table, listing.id, listing)
        return True

    async def feed(self, query: FeedFilter, now: datetime, page: PageRequest) -> Page[Listing]:
        text = (query.text or "").casefold()

        def matches(item: Listing) -> bool:
            return (
                item.status is ListingStatus.AVAILABLE
                and item.details.starts_at > now
                and (query.event_type is None or item.details.event_type is query.event_type)
                and (query.city is None or item.details.city.casefold() == query.city.casefold())
                and (not text or text in item.details.event_name.casefold())
            )

        return _newest_first([i for i in self.tx.rows(self.table) if matches(i)], page)

    async def of_seller(self, seller_id: UUID, page: PageRequest) -> Page[Listing]:
        mine = [i for i in self.tx.rows(self.table) if i.seller_id == seller_id]
        return _newest_first(mine, page)

    async def of_buyer(self, buyer_id: UUID, page: PageRequest) -> Page[Listing]:
        bought = [
            i
            for i in self.tx.rows(self.table)
            if i.buyer_id == buyer_id and i.status is ListingStatus.SOLD
        ]
        return _newest_first(bought, page)

    async def due(self, now: datetime, limit: int) -> list[ListingId]:
        due = [
            i
            for i in self.tx.rows(self.table)
            if (
                i.details.starts_at <= now
                and (i.status is ListingStatus.AVAILABLE or i.held_lapsed(now))
            )
            or (i.escrow is Escrow.HELD and i.release_after is not None and i.release_after <= now)
        ]
        return [i.id for i in sorted(due, key=lambda i: i.id)[:limit]]

    async def unsold_of_event(self, event_id: UUID) -> list[ListingId]:
        unsold = (ListingStatus.AVAILABLE, ListingStatus.HELD)
        found = [
            i for i in self.tx.rows(self.table) if i.event_id == event_id and i.status in unsold
        ]
        return [i.id for i in sorted(found, key=lambda i: i.id)]


class MemoryPurchases(_Repo):
    table = "purchases"

    async def get(self, purchase_id: PurchaseId) -> Purchase:
        return self._get(purchase_id, "purchase")  # type: ignore[no-any-return]

    async def add(self, purchase: Purchase) -> None:
        self.tx.put(self.table, purchase.id, purchase)

    save = add


class MemoryMessages(_Repo):
    table = "resale_messages"

    async def add(self, message: Message) -> None:
        self.tx.put(self.table, message.id, message)

    async def thread(self, listing_id: UUID, buyer_id: UUID) -> list[Message]:
        return sorted(
            (
                m
                for m in self.tx.rows(self.table)
                if m.listing_id == listing_id and m.buyer_id == buyer_id
            ),
            key=lambda m: (m.created_at, m.id),
        )

    async def threads(self, listing_id: UUID) -> list[Thread]:
        by_buyer: dict[UUID, list[Message]] = {}
        for m in self.tx.rows(self.table):
            if m.listing_id == listing_id:
                by_buyer.setdefault(m.buyer_id, []).append(m)
        threads = [
            Thread(listing_id, buyer, max(m.created_at for m in ms), len(ms))
            for buyer, ms in by_buyer.items()
        ]
        return sorted(threads, key=lambda t: (t.last_at, t.buyer_id), reverse=True)


class MemoryResaleRules(_Repo):
    table = "resale_rules"

    async def get(self, organiser_id: UUID) -> ResaleRules | None:
        return self.tx.get(self.table, organiser_id)  # type: ignore[no-any-return]

    async def put(self, rules: ResaleRules) -> None:
        self.tx.put(self.table, rules.organiser_id, rules)
