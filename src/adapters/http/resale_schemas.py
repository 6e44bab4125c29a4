"""Request and response bodies of the resale and tickets API.

Barcodes never appear in a listing: the seller sees only `barcode_hint` (the last four
characters), everybody else nothing. A barcode leaves the service in two places only: a
ticket for its holder (`TicketOut`), and a purchase for its buyer once the sale went through
(`PurchaseOut`). Phone numbers and emails never appear at all: messages carry who wrote
(`seller` or `buyer`), not which account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from adapters.http.schemas import NO_NUL, MoneyOut
from core.resale import model as m
from core.resale.commands import ListTicket
from core.resale.messages import BODY_MAX, Message, Thread
from core.resale.model import (
    Escrow,
    EventType,
    Listing,
    ListingDetails,
    ListingStatus,
    PurchaseStatus,
    ResaleRules,
)
from core.resale.services import ISSUER_MAX, Bought
from core.shared.money import Money
from core.tickets.authenticity import STAGEDOOR, Authenticity
from core.tickets.model import DoorCheck, DoorOutcome, Ticket, TicketStatus


def _text(low: int, high: int) -> Meta:
    return Meta(min_length=low, max_length=high, pattern=NO_NUL)


Barcode = Annotated[
    str, Meta(min_length=1, max_length=80, pattern=NO_NUL, examples=["ABCD2345EFGH6789"])
]
Issuer = Annotated[str, Meta(min_length=1, max_length=ISSUER_MAX, pattern="^[A-Za-z0-9-]+$")]
EventName = Annotated[str, _text(1, m.EVENT_NAME_MAX)]
City = Annotated[str, _text(1, m.CITY_MAX)]
Place = Annotated[str, _text(1, m.PLACE_MAX)]
Body = Annotated[str, _text(1, BODY_MAX)]
CapPercent = Annotated[int, Meta(ge=m.CAP_PERCENT_MIN, le=m.CAP_PERCENT_MAX)]
FeeBp = Annotated[int, Meta(ge=0, le=m.FEE_BP_MAX)]
ResalePrice = Annotated[int, Meta(ge=1, le=m.PRICE_MAX)]


# ---- requests -------------------------------------------------------------------------------


class ResalePriceIn(msgspec.Struct, forbid_unknown_fields=True):
    """The asking price in minor units (kopecks, cents)."""

    amount: ResalePrice
    currency: Annotated[str, Meta(pattern="^[A-Z]{3}$", examples=["RUB"])]

    def to_core(self) -> Money:
        return Money(self.amount, self.currency)


class EventFactsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The event of a ticket issued elsewhere, as its seller describes it."""

    event_name: EventName
    starts_at: datetime
    city: City
    place: Place


class ListingIn(msgspec.Struct, forbid_unknown_fields=True):
    """A ticket to sell. A Stagedoor ticket (`issuer` "stagedoor", the default) needs only
    its barcode: the event's facts come from the event. A ticket of another issuer needs
    `event`, and is listed as `unverified` unless a checker for that issuer confirms it."""

    barcode: Barcode
    price: ResalePriceIn
    event_type: EventType
    issuer: Issuer = STAGEDOOR
    event: EventFactsIn | None = None

    def to_core(self, seller_id: UUID) -> ListTicket:
        facts = self.event
        details = None
        if facts is not None:
            details = ListingDetails(
                facts.event_name, self.event_type, facts.starts_at, facts.city, facts.place
            )
        return ListTicket(
            seller_id=seller_id,
            barcode=self.barcode,
            price=self.price.to_core(),
            event_type=self.event_type,
            issuer=self.issuer,
            details=details,
        )


class MessageIn(msgspec.Struct, forbid_unknown_fields=True):
    """A message on a listing; the seller answering names the buyer's thread."""

    body: Body
    buyer_id: UUID | None = None


class PriceCapIn(msgspec.Struct, forbid_unknown_fields=True):
    """The highest resale price of your events' tickets, in % of face value (null: none)."""

    price_cap_percent: CapPercent | None


class FeeIn(msgspec.Struct, forbid_unknown_fields=True):
    """The platform fee on one organiser's resales, in basis points (500 = 5 %)."""

    fee_bp: FeeBp


class ScanIn(msgspec.Struct, forbid_unknown_fields=True):
    barcode: Barcode


# ---- responses ------------------------------------------------------------------------------


class ListingOut(msgspec.Struct):
    """A listing as the caller may see it. `mine` says the caller sells it, `bought` that
    the caller bought it; `barcode_hint`, `fee`, `proceeds` and `escrow` are for the seller
    (the buyer sees `escrow` too); everyone else sees them null."""

    id: UUID
    issuer: str
    authenticity: Authenticity
    event_name: str
    event_type: EventType
    starts_at: datetime
    city: str
    place: str
    price: MoneyOut
    status: ListingStatus
    created_at: datetime
    stagedoor_event_id: UUID | None
    mine: bool
    bought: bool
    barcode_hint: str | None
    fee: MoneyOut | None
    proceeds: MoneyOut | None
    escrow: Escrow | None
    sold_at: datetime | None

    @classmethod
    def of(cls, listing: Listing, viewer: UUID | None) -> ListingOut:
        d = listing.details
        mine, bought = listing.is_seller(viewer), listing.is_buyer(viewer)
        return cls(
            id=listing.id,
            issuer=listing.issuer,
            authenticity=listing.authenticity,
            event_name=d.event_name,
            event_type=d.event_type,
            starts_at=d.starts_at,
            city=d.city,
            place=d.place,
            price=MoneyOut(listing.price.amount, listing.price.currency),
            status=listing.status,
            created_at=listing.created_at,
            stagedoor_event_id=listing.event_id,
            mine=mine,
            bought=bought,
            barcode_hint=listing.barcode_hint(viewer),
            fee=MoneyOut.of(listing.fee) if mine else None,
            proceeds=MoneyOut.of(listing.proceeds) if mine else None,
            escrow=listing.escrow if mine or bought else None,
            sold_at=listing.sold_at if mine or bought else None,
        )


class ListingPage(msgspec.Struct):
    items: list[ListingOut]
    next_cursor: str | None


class PurchaseOut(msgspec.Struct):
    """A purchase, for its buyer. `payment_url` is where to pay (given when buying);
    `barcode` appears once the sale went through: the new ticket's (`ticket_id`) for a
    Stagedoor ticket, the listed one for a ticket of another issuer."""

    id: UUID
    listing_id: UUID
    status: PurchaseStatus
    amount: MoneyOut
    created_at: datetime
    settled_at: datetime | None
    payment_id: UUID | None
    listing: ListingOut
    ticket_id: UUID | None
    barcode: str | None
    payment_url: str | None = None

    @classmethod
    def of(cls, bought: Bought, payment_url: str | None = None) -> PurchaseOut:
        p = bought.purchase
        return cls(
            id=p.id,
            listing_id=p.listing_id,
            status=p.status,
            amount=MoneyOut(p.amount.amount, p.amount.currency),
            created_at=p.created_at,
            settled_at=p.settled_at,
            payment_id=p.payment_id,
            listing=ListingOut.of(bought.listing, p.buyer_id),
            ticket_id=bought.ticket_id,
            barcode=bought.barcode,
            payment_url=payment_url,
        )


class MessageOut(msgspec.Struct):
    id: UUID
    author: Literal["seller", "buyer"]
    mine: bool
    body: str
    created_at: datetime

    @classmethod
    def of(cls, message: Message, viewer: UUID) -> MessageOut:
        author: Literal["seller", "buyer"] = (
            "buyer" if message.author_id == message.buyer_id else "seller"
        )
        mine = message.author_id == viewer
        return cls(message.id, author, mine, message.body, message.created_at)


class ThreadOut(msgspec.Struct):
    buyer_id: UUID
    messages: int
    last_at: datetime

    @classmethod
    def of(cls, thread: Thread) -> ThreadOut:
        return cls(thread.buyer_id, thread.count, thread.last_at)


class MessagesOut(msgspec.Struct):
    items: list[MessageOut]


class ThreadsOut(msgspec.Struct):
    items: list[ThreadOut]


class RulesOut(msgspec.Struct):
    organiser_id: UUID
    price_cap_percent: int | None
    fee_bp: int

    @classmethod
    def of(cls, rules: ResaleRules) -> RulesOut:
        return cls(rules.organiser_id, rules.price_cap_percent, rules.fee_bp)


class HeldTicketOut(msgspec.Struct):
    """A ticket, for its holder. `barcode` only while the ticket is valid: a revoked (resold)
    or void (cancelled) ticket's barcode is dead and is not shown."""

    id: UUID
    event_id: UUID
    booking_id: UUID
    status: TicketStatus
    barcode: str | None
    issued_at: datetime
    on_sale: bool
    from_resale: bool
    admitted_at: datetime | None
    qr_url: str | None
    seat_id: UUID | None

    @classmethod
    def of(cls, ticket: Ticket) -> HeldTicketOut:
        valid = ticket.is_valid
        return cls(
            id=ticket.id,
            event_id=ticket.event_id,
            booking_id=ticket.booking_id,
            status=ticket.status,
            barcode=ticket.barcode if valid else None,
            issued_at=ticket.issued_at,
            on_sale=ticket.on_sale,
            from_resale=ticket.replaces is not None,
            admitted_at=ticket.admitted_at,
            qr_url=f"/api/v1/tickets/{ticket.id}/qr.svg" if valid else None,
            seat_id=ticket.seat_id,
        )


class HeldTicketPage(msgspec.Struct):
    items: list[HeldTicketOut]
    next_cursor: str | None


class DoorCheckOut(msgspec.Struct):
    """What the door is told: `admitted` or why not (`outcome`, `reason`)."""

    admitted: bool
    outcome: DoorOutcome
    reason: str
    ticket_id: UUID | None
    admitted_at: datetime | None

    @classmethod
    def of(cls, check: DoorCheck) -> DoorCheckOut:
        return cls(check.admitted, check.outcome, check.reason, check.ticket_id, check.admitted_at)
