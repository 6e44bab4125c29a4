"""Resale on SQL: listings (barcodes sealed), purchases, messages, organiser rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.db.repository import SqlRepository, like_pattern, page_of, placeholders
from adapters.db.session import Row, instant, uuid_of
from core.resale.messages import Message, Thread
from core.resale.model import (
    Escrow,
    EventType,
    Listing,
    ListingDetails,
    ListingId,
    ListingStatus,
    Purchase,
    PurchaseId,
    PurchaseStatus,
    ResaleRules,
)
from core.resale.ports import FeedFilter
from core.shared.errors import NotFound
from core.shared.money import Money
from core.shared.paging import Page, PageRequest, id_after, id_cursor
from core.tickets.authenticity import Authenticity

_LISTING = (
    "id, seller_id, issuer, event_name, event_type, starts_at, city, place, price_amount,"
    " currency, fee_amount, barcode_key, barcode_sealed, authenticity, checker, ticket_id,"
    " event_id, status, purchase_id, buyer_id, hold_expires_at, sold_at, new_ticket_id,"
    " escrow, release_after, payout_id, created_at, updated_at"
)
_WRITE = f"{_LISTING}, barcode_digest, event_name_key, city_key"
_UNSOLD = "('available', 'held')"


def _uuid(value: Any) -> UUID | None:
    return None if value is None else uuid_of(value)


class SqlListings(SqlRepository):
    def _listing(self, row: Row) -> Listing:
        listing_id = ListingId(row["id"])
        currency = row["currency"]
        vault = self._uow.barcodes
        return Listing(
            id=listing_id,
            seller_id=row["seller_id"],
            issuer=row["issuer"],
            details=ListingDetails(
                row["event_name"],
                EventType(row["event_type"]),
                row["starts_at"],
                row["city"],
                row["place"],
            ),
            price=Money(int(row["price_amount"]), currency),
            fee=Money(int(row["fee_amount"]), currency),
            barcode=vault.open(listing_id, row["barcode_key"], row["barcode_sealed"]),
            authenticity=Authenticity(row["authenticity"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            checker=row["checker"],
            ticket_id=_uuid(row["ticket_id"]),
            event_id=_uuid(row["event_id"]),
            status=ListingStatus(row["status"]),
            purchase_id=PurchaseId(row["purchase_id"]) if row["purchase_id"] else None,
            buyer_id=_uuid(row["buyer_id"]),
            hold_expires_at=row["hold_expires_at"],
            sold_at=row["sold_at"],
            new_ticket_id=_uuid(row["new_ticket_id"]),
            escrow=Escrow(row["escrow"]),
            release_after=row["release_after"],
            payout_id=_uuid(row["payout_id"]),
        )

    def _values(self, listing: Listing) -> list[Any]:
        d, vault = listing.details, self._uow.barcodes
        key_id, sealed = vault.seal(listing.id, listing.barcode)
        return [
            listing.id, listing.seller_id, listing.issuer, d.event_name, d.event_type.value,
            d.starts_at, d.city, d.place, listing.price.amount, listing.price.currency,
            listing.fee.amount, key_id, sealed, listing.authenticity.value, listing.checker,
            listing.ticket_id, listing.event_id, listing.status.value, listing.purchase_id,
            listing.buyer_id, listing.hold_expires_at, listing.sold_at, listing.new_ticket_id,
            listing.escrow.value, listing.release_after, listing.payout_id, listing.created_at,
            listing.updated_at, vault.digest(listing.barcode), d.event_name.casefold(),
            d.city.casefold(),
        ]  # fmt: skip

    async def _one(self, listing_id: ListingId, lock: str) -> Listing:
        row = await self.db.fetchrow(
            f"SELECT {_LISTING} FROM listings WHERE id = $1{lock}", listing_id
        )
        if row is None:
            raise NotFound("listing not found")
        return self.track(self._listing(row))

    async def get(self, listing_id: ListingId) -> Listing:
        return await self._one(listing_id, "")

    async def get_for_update(self, listing_id: ListingId) -> Listing:
        return await self._one(listing_id, self.for_update)

    async def add(self, listing: Listing) -> None:
        await self.db.execute(
            f"INSERT INTO listings ({_WRITE}) VALUES ({placeholders(1, 31)})",
            *self._values(listing),
        )
        self.track(listing)

    async def save(self, listing: Listing) -> None:
        """Everything that changes after listing; the barcode and the price never do."""
        await self.db.execute(
            "UPDATE listings SET status = $2, purchase_id = $3, buyer_id = $4,"
            " hold_expires_at = $5, sold_at = $6, new_ticket_id = $7, escrow = $8,"
            " release_after = $9, payout_id = $10, updated_at = $11 WHERE id = $1",
            listing.id,
            listing.status.value,
            listing.purchase_id,
            listing.buyer_id,
            listing.hold_expires_at,
            listing.sold_at,
            listing.new_ticket_id,
            listing.escrow.value,
            listing.release_after,
            listing.payout_id,
            listing.updated_at,
        )
        self.track(listing)

    async def hold(
        self, listing_id: ListingId, purchase_id: PurchaseId, now: datetime, until: datetime
    ) -> bool:
        await self._uow.pass_gate(("listings", listing_id))
        held = await self.db.fetchval(
            "UPDATE listings SET status = 'held', purchase_id = $2, hold_expires_at = $4,"
            " updated_at = $3 WHERE id = $1 AND starts_at > $3 AND (status = 'available'"
            " OR (status = 'held' AND hold_expires_at <= $3)) RETURNING id",
            listing_id,
            purchase_id,
            now,
            until,
        )
        return held is not None

    async def _newest(self, where: list[str], args: list[Any], page: PageRequest) -> Page[Listing]:
        if page.cursor is not None:
            args.append(id_after(page.cursor))
            where.append(f"id < ${len(args)}")
        args.append(page.limit + 1)
        rows = await self.db.fetch(
            f"SELECT {_LISTING} FROM listings WHERE {' AND '.join(where)}"
            f" ORDER BY id DESC LIMIT ${len(args)}",
            *args,
        )
        return page_of(rows, page.limit, self._listing, lambda item: id_cursor(item.id))

    async def feed(self, query: FeedFilter, now: datetime, page: PageRequest) -> Page[Listing]:
        args: list[Any] = [now]
        where = ["status = 'available'", "starts_at > $1"]
        if query.event_type is not None:
            args.append(query.event_type.value)
            where.append(f"event_type = ${len(args)}")
        if query.city is not None:
            args.append(query.city.casefold())
            where.append(f"city_key = ${len(args)}")
        if query.text:
            args.append(like_pattern(query.text.casefold()))
            where.append(f"event_name_key LIKE ${len(args)} ESCAPE '\\'")
        return await self._newest(where, args, page)

    async def of_seller(self, seller_id: UUID, page: PageRequest) -> Page[Listing]:
        return await self._newest(["seller_id = $1"], [seller_id], page)

    async def of_buyer(self, buyer_id: UUID, page: PageRequest) -> Page[Listing]:
        return await self._newest(["buyer_id = $1", "status = 'sold'"], [buyer_id], page)

    async def due(self, now: datetime, limit: int) -> list[ListingId]:
        rows = await self.db.fetch(
            f"SELECT id FROM listings WHERE (status IN {_UNSOLD} AND starts_at <= $1)"
            " OR (escrow = 'held' AND release_after <= $1) ORDER BY id LIMIT $2",
            now,
            limit,
        )
        return [ListingId(_uuid(row["id"])) for row in rows]  # type: ignore[arg-type]

    async def open_of_event(self, event_id: UUID) -> list[ListingId]:
        rows = await self.db.fetch(
            f"SELECT id FROM listings WHERE event_id = $1"
            f" AND (status IN {_UNSOLD} OR escrow IN ('held', 'disputed')) ORDER BY id",
            event_id,
        )
        return [ListingId(_uuid(row["id"])) for row in rows]  # type: ignore[arg-type]


_PURCHASE = "id, listing_id, buyer_id, amount_minor, currency, created_at, payment_id, status,"
_PURCHASE += " settled_at"


class SqlPurchases(SqlRepository):
    async def get(self, purchase_id: PurchaseId) -> Purchase:
        row = await self.db.fetchrow(
            f"SELECT {_PURCHASE} FROM purchases WHERE id = $1", purchase_id
        )
        if row is None:
            raise NotFound("purchase not found")
        return Purchase(
            id=PurchaseId(row["id"]),
            listing_id=ListingId(row["listing_id"]),
            buyer_id=row["buyer_id"],
            amount=Money(int(row["amount_minor"]), row["currency"]),
            created_at=row["created_at"],
            payment_id=_uuid(row["payment_id"]),
            status=PurchaseStatus(row["status"]),
            settled_at=row["settled_at"],
        )

    async def add(self, purchase: Purchase) -> None:
        p = purchase
        await self.db.execute(
            f"INSERT INTO purchases ({_PURCHASE}) VALUES ({placeholders(1, 9)})",
            p.id, p.listing_id, p.buyer_id, p.amount.amount, p.amount.currency, p.created_at,
            p.payment_id, p.status.value, p.settled_at,
        )  # fmt: skip

    async def save(self, purchase: Purchase) -> None:
        await self.db.execute(
            "UPDATE purchases SET status = $2, settled_at = $3 WHERE id = $1",
            purchase.id,
            purchase.status.value,
            purchase.settled_at,
        )


class SqlMessages(SqlRepository):
    async def add(self, message: Message) -> None:
        m = message
        await self.db.execute(
            "INSERT INTO resale_messages (id, listing_id, buyer_id, author_id, body, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            m.id, m.listing_id, m.buyer_id, m.author_id, m.body, m.created_at,
        )  # fmt: skip

    async def thread(self, listing_id: UUID, buyer_id: UUID) -> list[Message]:
        rows = await self.db.fetch(
            "SELECT id, listing_id, buyer_id, author_id, body, created_at FROM resale_messages"
            " WHERE listing_id = $1 AND buyer_id = $2 ORDER BY created_at, id",
            listing_id,
            buyer_id,
        )
        return [
            Message(
                r["id"], r["listing_id"], r["buyer_id"], r["author_id"], r["body"], r["created_at"]
            )
            for r in rows
        ]

    async def threads(self, listing_id: UUID) -> list[Thread]:
        rows = await self.db.fetch(
            "SELECT buyer_id, MAX(created_at) AS last_at, COUNT(*) AS n FROM resale_messages"
            " WHERE listing_id = $1 GROUP BY buyer_id",
            listing_id,
        )
        threads = [
            Thread(listing_id, _uuid(r["buyer_id"]), instant(r["last_at"]), int(r["n"]))  # type: ignore[arg-type]
            for r in rows
        ]
        return sorted(threads, key=lambda t: (t.last_at, t.buyer_id), reverse=True)


class SqlResaleRules(SqlRepository):
    async def get(self, organiser_id: UUID) -> ResaleRules | None:
        row = await self.db.fetchrow(
            "SELECT organiser_id, price_cap_percent, fee_bp FROM resale_rules"
            " WHERE organiser_id = $1",
            organiser_id,
        )
        if row is None:
            return None
        organiser = _uuid(row["organiser_id"])
        assert organiser is not None
        return ResaleRules(organiser, row["price_cap_percent"], row["fee_bp"])

    async def put(self, rules: ResaleRules) -> None:
        await self.db.execute(
            "INSERT INTO resale_rules (organiser_id, price_cap_percent, fee_bp)"
            " VALUES ($1, $2, $3) ON CONFLICT (organiser_id) DO UPDATE"
            " SET price_cap_percent = excluded.price_cap_percent, fee_bp = excluded.fee_bp",
            rules.organiser_id,
            rules.price_cap_percent,
            rules.fee_bp,
        )
