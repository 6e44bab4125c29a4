"""Listings, purchases and the rules that keep resale fair: verified sellers, checked tickets,
capped prices, one live listing per barcode, and money held in escrow until the ticket is safe.

A listing moves available → held (one buyer is paying) → sold, or back to available when the
payment fails or lapses; available → withdrawn (the seller changed their mind), expired (the
seller marked it outdated, or the event started). Escrow, for a sold listing: `held` until
the transfer is safe, then `released` (the seller is paid, less the fee), or `refunded`.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import NewType
from uuid import UUID

import attrs

from core.resale import events
from core.shared.clock import require_aware
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money
from core.tickets.authenticity import STAGEDOOR, Authenticity

ListingId = NewType("ListingId", UUID)
PurchaseId = NewType("PurchaseId", UUID)

EVENT_NAME_MAX = 200
CITY_MAX = 100
PLACE_MAX = 300
PRICE_MAX = 100_000_000  # one million major units
HOLD = timedelta(minutes=15)
DISPUTE_WINDOW = timedelta(hours=48)
"""How long after an external ticket's event a buyer may dispute before the seller is paid."""
DEFAULT_FEE_BP = 500
"""The platform fee in basis points (1/100 of a percent) where an organiser set none: 5 %."""
FEE_BP_MAX = 3000
CAP_PERCENT_MIN = 100
CAP_PERCENT_MAX = 1000


class EventType(enum.StrEnum):
    CONCERT = "concert"
    THEATRE = "theatre"
    SPORT = "sport"
    CINEMA = "cinema"
    FESTIVAL = "festival"
    COMEDY = "comedy"
    EXHIBITION = "exhibition"
    OTHER = "other"


class ListingStatus(enum.StrEnum):
    AVAILABLE = "available"
    HELD = "held"
    SOLD = "sold"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


LIVE = frozenset({ListingStatus.AVAILABLE, ListingStatus.HELD, ListingStatus.SOLD})
"""Statuses in which a barcode belongs to a listing: no second listing may offer it."""


class Escrow(enum.StrEnum):
    NONE = "none"
    HELD = "held"
    DISPUTED = "disputed"
    RELEASED = "released"
    REFUNDED = "refunded"


class PurchaseStatus(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    REFUNDED = "refunded"


def _text(value: str, field: str, maximum: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if len(text) > maximum:
        raise ValidationFailed(f"{field} must be at most {maximum} characters", field=field)
    return text


@attrs.frozen
class ListingDetails:
    """What the seller says about the event; for Stagedoor tickets taken from the event."""

    event_name: str
    event_type: EventType
    starts_at: datetime
    city: str
    place: str

    def checked(self, now: datetime) -> ListingDetails:
        starts_at = require_aware(self.starts_at, "starts_at")
        if starts_at <= now:
            raise ValidationFailed("the event must be in the future", field="starts_at")
        return ListingDetails(
            event_name=_text(self.event_name, "event_name", EVENT_NAME_MAX),
            event_type=self.event_type,
            starts_at=starts_at,
            city=_text(self.city, "city", CITY_MAX),
            place=_text(self.place, "place", PLACE_MAX),
        )


@attrs.frozen
class ResaleRules:
    """An organiser's rules for resale of their events' tickets."""

    organiser_id: UUID
    price_cap_percent: int | None = None
    """A listing may ask at most this percentage of the ticket's face value (e.g. 120)."""
    fee_bp: int = DEFAULT_FEE_BP
    """The platform fee taken from the seller, in basis points of the price."""

    def checked(self) -> ResaleRules:
        cap = self.price_cap_percent
        if cap is not None and not CAP_PERCENT_MIN <= cap <= CAP_PERCENT_MAX:
            raise ValidationFailed(
                f"price_cap_percent must be between {CAP_PERCENT_MIN} and {CAP_PERCENT_MAX}",
                field="price_cap_percent",
            )
        if not 0 <= self.fee_bp <= FEE_BP_MAX:
            raise ValidationFailed(
                f"fee_bp must be between 0 and {FEE_BP_MAX} (30 %)", field="fee_bp"
            )
        return self

    def cap(self, face_value: Money | None) -> Money | None:
        """The highest price allowed, or None when there is no cap (or no face value)."""
        if self.price_cap_percent is None or face_value is None:
            return None
        return Money(face_value.amount * self.price_cap_percent // 100, face_value.currency)

    def fee(self, price: Money) -> Money:
        """The fee on `price`, rounded half up to a minor unit."""
        return Money((price.amount * self.fee_bp + 5_000) // 10_000, price.currency)


def checked_price(price: Money, cap: Money | None) -> Money:
    if not 1 <= price.amount <= PRICE_MAX:
        raise ValidationFailed(
            f"price must be between 1 and {PRICE_MAX} minor units", field="price"
        )
    if cap is not None:
        if price.currency != cap.currency:
            raise ValidationFailed(f"the price must be in {cap.currency}", field="price")
        if price.amount > cap.amount:
            raise ValidationFailed(
                f"the organiser caps resale at {cap} for this ticket", field="price"
            )
    return price


@attrs.define
class Listing(Aggregate):
    """A ticket offered for resale. `barcode` is revealed to the buyer only after the sale."""

    id: ListingId
    seller_id: UUID
    issuer: str
    details: ListingDetails
    price: Money
    fee: Money
    barcode: str = attrs.field(repr=False)
    authenticity: Authenticity
    created_at: datetime
    updated_at: datetime
    checker: str = ""
    ticket_id: UUID | None = None
    event_id: UUID | None = None
    status: ListingStatus = ListingStatus.AVAILABLE
    purchase_id: PurchaseId | None = None
    buyer_id: UUID | None = None
    hold_expires_at: datetime | None = None
    sold_at: datetime | None = None
    new_ticket_id: UUID | None = None
    escrow: Escrow = Escrow.NONE
    release_after: datetime | None = None
    payout_id: UUID | None = None

    @property
    def stagedoor(self) -> bool:
        return self.issuer == STAGEDOOR

    @property
    def proceeds(self) -> Money:
        """What the seller receives: the price less the fee."""
        return self.price - self.fee

    def is_seller(self, account: UUID | None) -> bool:
        return account is not None and account == self.seller_id

    def is_buyer(self, account: UUID | None) -> bool:
        return account is not None and account == self.buyer_id

    def barcode_for(self, viewer: UUID | None) -> str | None:
        """The seller sees what they listed; the buyer sees it once the sale went through (for
        Stagedoor tickets the buyer gets a new ticket instead); nobody else, ever."""
        if self.is_seller(viewer) and self.status is not ListingStatus.SOLD:
            return self.barcode
        if self.status is ListingStatus.SOLD and self.is_buyer(viewer) and not self.stagedoor:
            return self.barcode
        return None

    def visible_to(self, viewer: UUID | None, now: datetime) -> bool:
        """Listings on the market (available, or held while someone pays) are public; sold,
        withdrawn and expired ones only for their seller and buyer."""
        if self.is_seller(viewer) or self.is_buyer(viewer):
            return True
        return self.status in (ListingStatus.AVAILABLE, ListingStatus.HELD)

    def held_lapsed(self, now: datetime) -> bool:
        return (
            self.status is ListingStatus.HELD
            and self.hold_expires_at is not None
            and self.hold_expires_at <= now
        )

    def ensure_buyable_by(self, buyer: UUID, now: datetime) -> None:
        if self.is_seller(buyer):
            raise PermissionDenied("you cannot buy your own listing")
        if self.status is ListingStatus.HELD and not self.held_lapsed(now):
            raise Conflict("someone else is paying for this ticket right now; try again later")
        if self.status not in (ListingStatus.AVAILABLE, ListingStatus.HELD):
            raise Conflict(f"this listing is {self.status.value}; it cannot be bought")
        if self.details.starts_at <= now:
            raise Conflict("the event has started; this ticket can no longer be bought")

    def hold_for(self, purchase: Purchase, until: datetime, now: datetime) -> None:
        """One buyer pays now: nobody else may until `until`."""
        self.ensure_buyable_by(purchase.buyer_id, now)
        self.status, self.purchase_id, self.buyer_id = ListingStatus.HELD, purchase.id, None
        self.hold_expires_at, self.updated_at = until, now

    def release(self, purchase_id: PurchaseId, now: datetime) -> bool:
        """The payment of `purchase_id` failed or lapsed: offer the ticket again."""
        if self.status is not ListingStatus.HELD or self.purchase_id != purchase_id:
            return False
        self.status, self.purchase_id, self.hold_expires_at = ListingStatus.AVAILABLE, None, None
        self.updated_at = now
        return True

    def take_for(self, purchase: Purchase, now: datetime) -> None:
        """A late payment finds the listing free again (its hold lapsed, nobody else took it):
        it is held for that purchase once more, to be sold at once."""
        if self.status is ListingStatus.HELD and self.purchase_id == purchase.id:
            return
        if self.status is not ListingStatus.AVAILABLE and not self.held_lapsed(now):
            raise Conflict("this listing is no longer free for this purchase")
        self.status, self.purchase_id, self.updated_at = ListingStatus.HELD, purchase.id, now

    def sell(self, purchase: Purchase, new_ticket_id: UUID | None, now: datetime) -> None:
        """The money arrived for the purchase holding the listing: it is sold, the money in
        escrow. A Stagedoor ticket is safe at once (the old barcode is dead); an external one
        after its event plus the dispute window."""
        if self.status is not ListingStatus.HELD or self.purchase_id != purchase.id:
            raise Conflict("this listing is not held for this purchase")
        self.status, self.buyer_id, self.sold_at = ListingStatus.SOLD, purchase.buyer_id, now
        self.hold_expires_at, self.new_ticket_id, self.updated_at = None, new_ticket_id, now
        self.escrow = Escrow.HELD
        self.release_after = now if self.stagedoor else self.details.starts_at + DISPUTE_WINDOW
        self.record(
            events.ListingSold(
                event_id=uuid7(now),
                occurred_at=now,
                listing_id=self.id,
                seller_id=self.seller_id,
                buyer_id=purchase.buyer_id,
                event_name=self.details.event_name,
                price=self.price,
                proceeds=self.proceeds,
            )
        )

    def escrow_due(self, now: datetime) -> bool:
        """Money is held and the transfer is safe by `now` (no dispute stopped it)."""
        return (
            self.escrow is Escrow.HELD
            and self.release_after is not None
            and self.release_after <= now
        )

    def release_escrow(self, now: datetime) -> bool:
        """The transfer is safe: the seller's money may go out. False when not due yet."""
        if not self.escrow_due(now):
            return False
        self.escrow, self.updated_at = Escrow.RELEASED, now
        return True

    def dispute(self, actor: UUID, now: datetime) -> None:
        """The buyer says the ticket did not work: the seller is not paid until support looks."""
        if not self.is_buyer(actor):
            raise NotFound("listing not found")
        if self.escrow is not Escrow.HELD or self.release_after is None:
            raise Conflict("there is no money held on this sale to dispute")
        if now >= self.release_after:
            raise Conflict("the dispute window of this sale has closed")
        self.escrow, self.updated_at = Escrow.DISPUTED, now

    def _close_by_seller(self, actor: UUID, to: ListingStatus, now: datetime) -> None:
        if not self.is_seller(actor):
            raise PermissionDenied("only the seller may change this listing")
        if self.status is not ListingStatus.AVAILABLE and not self.held_lapsed(now):
            raise Conflict(
                f"this listing is {self.status.value}; only an available listing can be changed"
            )
        self.status, self.purchase_id, self.hold_expires_at = to, None, None
        self.updated_at = now

    def withdraw(self, actor: UUID, now: datetime) -> None:
        """The seller takes the ticket off the market."""
        self._close_by_seller(actor, ListingStatus.WITHDRAWN, now)

    def mark_expired(self, actor: UUID, now: datetime) -> None:
        """The seller says the ticket is outdated (no longer usable)."""
        self._close_by_seller(actor, ListingStatus.EXPIRED, now)

    def withdraw_for_void_ticket(self, now: datetime) -> bool:
        """The ticket was voided (its booking or event cancelled): the listing goes too."""
        if self.status is not ListingStatus.AVAILABLE and not self.held_lapsed(now):
            return False
        self.status, self.purchase_id, self.hold_expires_at = ListingStatus.WITHDRAWN, None, None
        self.updated_at = now
        return True

    def expire_at_start(self, now: datetime) -> bool:
        """The event started: an unsold listing (or one whose hold lapsed) is over."""
        if now < self.details.starts_at:
            return False
        if self.status is ListingStatus.AVAILABLE or self.held_lapsed(now):
            self.status, self.purchase_id, self.hold_expires_at = ListingStatus.EXPIRED, None, None
            self.updated_at = now
            return True
        return False


@attrs.define
class Purchase:
    """One buyer's attempt to buy a listing; its payment references it."""

    id: PurchaseId
    listing_id: ListingId
    buyer_id: UUID
    amount: Money
    created_at: datetime
    payment_id: UUID | None = None
    status: PurchaseStatus = PurchaseStatus.PENDING
    settled_at: datetime | None = None

    def ensure_owned_by(self, actor: UUID) -> None:
        if actor != self.buyer_id:
            raise NotFound("purchase not found")
