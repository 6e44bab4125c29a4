"""Request and response bodies of the HTTP API, and their translation to and from the core.

Requests are msgspec Structs whose `Meta` constraints mirror the core's limits, so the OpenAPI
document (and every client or fuzzer reading it) sees them. The core still checks every rule:
these bounds only keep absurd input (megabyte titles, 40-digit integers, NUL bytes that
PostgreSQL refuses) from reaching it. Responses never carry secrets (password hashes, token
hashes); money is always integer minor units plus an ISO currency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from core.booking import model as booking
from core.booking.model import (
    Booking,
    BookingStatus,
    Event,
    EventChanges,
    EventDetails,
    EventStatus,
    GuestListEntry,
    TicketStatus,
    Visibility,
)
from core.booking.reviews import Rating
from core.identity import model as identity
from core.identity.model import Account
from core.payments.model import OPEN, Payment, PaymentStatus, Purpose, Refund, RefundStatus
from core.shared.money import Money

NO_NUL = "^[^\\x00]*$"
"""PostgreSQL text cannot hold NUL; refusing it here keeps such input a 400, never a 500."""

PRICE_AMOUNT_MAX = 100_000_000
"""One million major units per seat; times the seats of one booking it still fits 32 bits."""


def _text(low: int, high: int) -> Meta:
    return Meta(min_length=low, max_length=high, pattern=NO_NUL)


Title = Annotated[str, _text(1, booking.TITLE_MAX)]
Description = Annotated[str, _text(0, booking.DESCRIPTION_MAX)]
City = Annotated[str, _text(1, booking.CITY_MAX)]
Address = Annotated[str, _text(0, booking.ADDRESS_MAX)]
TimeZone = Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL, examples=["UTC"])]
Capacity = Annotated[int, Meta(ge=1, le=booking.CAPACITY_MAX)]
Seats = Annotated[int, Meta(ge=1, le=booking.SEATS_PER_BOOKING_MAX)]
Reason = Annotated[str, _text(0, 500)]
FullName = Annotated[str, _text(1, identity.NAME_MAX)]
Email = Annotated[str, _text(3, identity.EMAIL_MAX)]
Password = Annotated[str, _text(identity.PASSWORD_MIN, identity.PASSWORD_MAX)]
AnyPassword = Annotated[str, _text(1, identity.PASSWORD_MAX)]
Phone = Annotated[str, Meta(min_length=1, max_length=32, pattern=NO_NUL, examples=["+79991234567"])]
Code = Annotated[str, Meta(min_length=1, max_length=16, pattern=NO_NUL)]
Secret = Annotated[str, _text(1, 512)]


# ---- requests -------------------------------------------------------------------------------


class MoneyIn(msgspec.Struct, forbid_unknown_fields=True):
    """A price per seat in minor units (kopecks, cents)."""

    amount: Annotated[int, Meta(ge=1, le=PRICE_AMOUNT_MAX)]
    currency: Annotated[str, Meta(pattern="^[A-Z]{3}$", examples=["RUB"])]

    def to_core(self) -> Money:
        return Money(self.amount, self.currency)


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new event. Times need an offset (`2030-05-01T19:00:00+03:00`)."""

    title: Title
    starts_at: datetime
    ends_at: datetime
    city: City
    capacity: Capacity
    description: Description = ""
    address: Address = ""
    time_zone: TimeZone = "UTC"
    visibility: Visibility = Visibility.PUBLIC
    price: MoneyIn | None = None
    venue_id: UUID | None = None
    """A venue's seat map: the event gets one seat per place, priced by category."""

    def details(self) -> EventDetails:
        return EventDetails(
            title=self.title,
            description=self.description,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            city=self.city,
            address=self.address,
            time_zone=self.time_zone,
        )


class EventPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A partial edit: fields left out (or null) stay as they are."""

    title: Title | None = None
    description: Description | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    city: City | None = None
    address: Address | None = None
    time_zone: TimeZone | None = None
    capacity: Capacity | None = None
    visibility: Visibility | None = None

    def to_core(self) -> EventChanges:
        return EventChanges(**msgspec.structs.asdict(self))


class CancelEventIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class BookIn(msgspec.Struct, forbid_unknown_fields=True):
    """At an event with a seat map, `seat_ids` chooses the seats (one per seat booked);
    left out, the best free seats are given."""

    seats: Seats
    seat_ids: Annotated[list[UUID], Meta(max_length=booking.SEATS_PER_BOOKING_MAX)] = []


class WaitIn(msgspec.Struct, forbid_unknown_fields=True):
    seats: Seats


LanguageCode = Literal["en", "ru"]


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True):
    full_name: FullName
    email: Email
    password: Password
    phone: Phone | None = None
    language: LanguageCode = "en"


class AccountPatch(msgspec.Struct, forbid_unknown_fields=True):
    language: LanguageCode


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: AnyPassword


class RefreshIn(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Secret


class PhoneStartIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Phone


class PhoneVerifyIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Phone
    code: Code


# ---- responses ------------------------------------------------------------------------------


class MoneyOut(msgspec.Struct):
    amount: int
    currency: str

    @classmethod
    def of(cls, money: Money | None) -> MoneyOut | None:
        return None if money is None else cls(money.amount, money.currency)


class AccountOut(msgspec.Struct):
    id: UUID
    full_name: str
    email: str
    phone: str | None
    phone_verified: bool
    roles: list[str]
    created_at: datetime
    language: str

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            full_name=account.full_name,
            email=account.email,
            phone=account.phone,
            phone_verified=account.phone_verified,
            roles=sorted(role.value for role in account.roles),
            created_at=account.created_at,
            language=account.language.value,
        )


class TokensOut(msgspec.Struct):
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    token_type: Literal["bearer"] = "bearer"


class PhoneStartOut(msgspec.Struct):
    expires_in: int


class EventOut(msgspec.Struct):
    id: UUID
    host_id: UUID
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    city: str
    address: str
    capacity: int
    booked: int
    seats_left: int
    visibility: Visibility
    status: EventStatus
    price: MoneyOut | None
    created_at: datetime
    updated_at: datetime
    rating: float | None = None
    """The average of the event's reviews (1 to 5); null before any, and in search results."""
    reviews: int = 0
    venue_id: UUID | None = None

    @classmethod
    def of(cls, event: Event, rating: Rating | None = None) -> EventOut:
        d = event.details
        return cls(
            id=event.id,
            host_id=event.host_id,
            title=d.title,
            description=d.description,
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            time_zone=d.time_zone,
            city=d.city,
            address=d.address,
            capacity=event.capacity,
            booked=event.booked,
            seats_left=event.seats_left,
            visibility=event.visibility,
            status=event.status,
            price=MoneyOut.of(event.price),
            created_at=event.created_at,
            updated_at=event.updated_at,
            rating=None if rating is None else rating.average,
            reviews=0 if rating is None else rating.count,
            venue_id=event.venue_id,
        )


class EventPage(msgspec.Struct):
    items: list[EventOut]
    next_cursor: str | None


class InvitationOut(msgspec.Struct):
    token: str
    url: str


class TicketOut(msgspec.Struct):
    id: UUID
    barcode: str
    status: TicketStatus
    seat_id: UUID | None = None


class BookingOut(msgspec.Struct):
    """A booking. A paid one is `pending_payment` (no tickets yet) until its payment succeeds;
    `payment_url` is where to pay, given when the booking is made."""

    id: UUID
    event_id: UUID
    guest_id: UUID
    seats: int
    status: BookingStatus
    amount: MoneyOut | None
    created_at: datetime
    cancelled_at: datetime | None
    tickets: list[TicketOut]
    payment_id: UUID | None
    hold_expires_at: datetime | None
    payment_url: str | None = None
    seat_ids: list[UUID] = []

    @classmethod
    def of(cls, b: Booking, payment_url: str | None = None) -> BookingOut:
        return cls(
            id=b.id,
            event_id=b.event_id,
            guest_id=b.guest_id,
            seats=b.seats,
            status=b.status,
            amount=MoneyOut.of(b.amount),
            created_at=b.created_at,
            cancelled_at=b.cancelled_at,
            tickets=[TicketOut(t.id, t.barcode, t.status, t.seat_id) for t in b.tickets],
            payment_id=b.payment_id,
            hold_expires_at=b.hold_expires_at,
            payment_url=payment_url,
            seat_ids=list(b.seat_ids),
        )


class RefundOut(msgspec.Struct):
    id: UUID
    amount: MoneyOut
    status: RefundStatus
    reason: str
    created_at: datetime
    settled_at: datetime | None


class PaymentOut(msgspec.Struct):
    """A payment, for its payer. Amounts are integer minor units of `amount.currency`."""

    id: UUID
    status: PaymentStatus
    amount: MoneyOut
    purpose: Purpose
    reference_id: UUID
    provider: str
    payment_url: str | None
    captured: int
    refunded: int
    refund_pending: int
    failure_reason: str | None
    created_at: datetime
    expires_at: datetime
    refunds: list[RefundOut]

    @classmethod
    def of(cls, p: Payment, refunds: list[Refund]) -> PaymentOut:
        return cls(
            id=p.id,
            status=p.status,
            amount=MoneyOut(p.amount.amount, p.amount.currency),
            purpose=p.purpose,
            reference_id=p.reference_id,
            provider=p.provider,
            payment_url=p.redirect_url if p.status in OPEN else None,
            captured=p.captured,
            refunded=p.refunded,
            refund_pending=p.refund_pending,
            failure_reason=p.failure_reason,
            created_at=p.created_at,
            expires_at=p.expires_at,
            refunds=[
                RefundOut(
                    r.id,
                    MoneyOut(r.amount.amount, r.amount.currency),
                    r.status,
                    r.reason,
                    r.created_at,
                    r.settled_at,
                )
                for r in refunds
            ],
        )


class WebhookAck(msgspec.Struct):
    received: bool
    duplicate: bool


class BookingPage(msgspec.Struct):
    items: list[BookingOut]
    next_cursor: str | None


class GuestOut(msgspec.Struct):
    account_id: UUID
    full_name: str
    seats: int
    booked_at: datetime
    rating: float | None
    """The guest's average rating from hosts' reviews; null before any."""
    reviews: int

    @classmethod
    def of(cls, entry: GuestListEntry) -> GuestOut:
        return cls(
            entry.account_id,
            entry.full_name,
            entry.seats,
            entry.booked_at,
            entry.rating,
            entry.reviews,
        )


class GuestListOut(msgspec.Struct):
    items: list[GuestOut]


class HealthOut(msgspec.Struct):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "down"]
    broker: Literal["ok", "down"]
    version: str
