"""Resale pages for sellers and conversations: the sell form, my sales and purchases, and the
messages between a listing's seller and each buyer.

The sell form offers the seller's own valid Stagedoor tickets by event (the barcode is taken
from the ticket on the server, never put in the page), or takes a ticket of another site
with its event's facts. A refused form is shown again with what was typed and the reason
next to the field at fault, and nothing is stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from adapters.http.pages.layout import form_fields, local_datetime, render, see_other, uuid_field
from adapters.http.pages.resale import EVENT_TYPES
from adapters.http.pages.session import SignedIn
from adapters.http.problems import status_for
from core.booking.model import EventId
from core.resale import conversations, services
from core.resale.commands import ListTicket, SendMessage
from core.resale.model import EventType, ListingDetails, ListingId
from core.shared.errors import DomainError, ValidationFailed
from core.shared.money import Money
from core.shared.paging import PageRequest
from core.tickets import services as tickets
from core.tickets.authenticity import STAGEDOOR
from core.tickets.model import TicketId

AnyRequest = Request[Any, Any, Any]
CURRENCIES = ("RUB", "EUR", "USD")


def price_field(fields: dict[str, str]) -> Money:
    """`price` in major units ("1200" or "1200.50") and `currency`: minor units."""
    currency = fields.get("currency", "RUB")
    if currency not in CURRENCIES:
        raise ValidationFailed(f"currency must be one of {', '.join(CURRENCIES)}", field="currency")
    try:
        major = Decimal(fields.get("price", "").replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationFailed("price must be a number like 1200.50", field="price") from None
    minor = major * 100
    if not major.is_finite() or minor != minor.to_integral_value():
        raise ValidationFailed("price must be a number like 1200.50", field="price")
    if not 1 <= minor <= 10**12:
        raise ValidationFailed("price must be more than zero", field="price")
    return Money(int(minor), currency)


def starts_field(fields: dict[str, str]) -> datetime:
    """`starts_at` as typed in a datetime-local input, in the `time_zone` named."""
    try:
        zone = ZoneInfo(fields.get("time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("time_zone is not a known time zone", field="time_zone") from None
    return local_datetime(
        fields.get("starts_at", ""), zone, "starts_at", "starts_at must be a date and time"
    )


def event_type_field(fields: dict[str, str]) -> EventType:
    value = fields.get("event_type", "")
    if value not in EVENT_TYPES:
        raise ValidationFailed("choose the event type", field="event_type")
    return EventType(value)


class SellingPages(Controller):
    path = "/resale"
    include_in_schema = False

    @get("/sell")
    async def form(
        self,
        request: AnyRequest,
        platform: PlatformDep,
        signed_in: SignedIn,
        ticket: FromQuery[str] = "",
    ) -> Template:
        return await _sell_page(request, platform, signed_in, {"ticket_id": ticket})

    @post("/sell", status_code=303)
    async def sell(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template | Redirect:
        fields = await form_fields(request)
        try:
            command = await _listing_command(fields, signed_in, platform)
            listing = await services.list_ticket(
                command, uow=platform.new_uow(), clock=platform.clock, checkers=platform.checkers
            )
        except DomainError as exc:
            field = exc.field if isinstance(exc, ValidationFailed) else None
            return await _sell_page(
                request, platform, signed_in, fields,
                error=exc.detail, field=field, status=status_for(exc),
            )  # fmt: skip
        return see_other(f"/resale/listings/{listing.id}")

    @get("/mine")
    async def mine(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        first = PageRequest.parse(None, 50)
        listed = await services.my_listings(signed_in, first, uow=platform.new_uow())
        bought = await services.my_purchases(signed_in, first, uow=platform.new_uow())
        context = {"listed": listed.items, "bought": bought.items}
        return render(request, "resale/mine.html", context)

    @get("/listings/{listing_id:uuid}/messages")
    async def messages(
        self,
        request: AnyRequest,
        listing_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
        buyer: FromQuery[UUID | None] = None,
    ) -> Template:
        return await _thread_page(request, platform, ListingId(listing_id), signed_in, buyer)

    @post("/listings/{listing_id:uuid}/messages", status_code=303)
    async def send(
        self,
        request: AnyRequest,
        listing_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        buyer = uuid_field(fields, "buyer_id")
        try:
            await conversations.send_message(
                SendMessage(ListingId(listing_id), signed_in, fields.get("body", ""), buyer),
                uow=platform.new_uow(),
                clock=platform.clock,
            )
        except ValidationFailed as exc:
            return await _thread_page(
                request, platform, ListingId(listing_id), signed_in, buyer,
                error=exc.detail, body=fields.get("body", ""), status=422,
            )  # fmt: skip
        query = f"?buyer={buyer}" if buyer is not None else ""
        return see_other(f"/resale/listings/{listing_id}/messages{query}")


async def _listing_command(
    fields: dict[str, str], seller: UUID, platform: PlatformDep
) -> ListTicket:
    price, kind = price_field(fields), event_type_field(fields)
    if fields.get("source", "stagedoor") == "stagedoor":
        ticket_id = uuid_field(fields, "ticket_id")
        if ticket_id is None:
            raise ValidationFailed("choose the ticket to sell", field="ticket_id")
        ticket = await tickets.ticket_for_holder(
            TicketId(ticket_id), viewer=seller, uow=platform.new_uow()
        )
        return ListTicket(seller, ticket.barcode, price, kind)
    details = ListingDetails(
        fields.get("event_name", ""),
        kind,
        starts_field(fields),
        fields.get("city", ""),
        fields.get("place", ""),
    )
    issuer = fields.get("issuer", "") or "other"
    if issuer.lower() == STAGEDOOR:
        raise ValidationFailed("choose your Stagedoor ticket above instead", field="issuer")
    return ListTicket(seller, fields.get("barcode", ""), price, kind, issuer, details)


async def _sell_page(
    request: AnyRequest,
    platform: PlatformDep,
    seller: UUID,
    typed: dict[str, str],
    *,
    error: str = "",
    field: str | None = None,
    status: int = 200,
) -> Template:
    held, events = await tickets.my_tickets_with_events(
        seller, PageRequest.parse(None, 100), uow=platform.new_uow()
    )
    now = platform.clock.now()
    sellable = [
        (ticket, event)
        for ticket in held.items
        for event in [events[EventId(ticket.event_id)]]
        if ticket.is_valid and not ticket.on_sale and event.starts_at > now
    ]
    typed.pop("barcode", None)  # a typed barcode is not sent back into the page
    context = {
        "sellable": sellable,
        "typed": typed,
        "error": error,
        "field": field,
        "event_types": EVENT_TYPES,
        "currencies": CURRENCIES,
    }
    return render(request, "resale/sell.html", context, status=status)


async def _thread_page(
    request: AnyRequest,
    platform: PlatformDep,
    listing_id: ListingId,
    viewer: UUID,
    buyer: UUID | None,
    *,
    error: str = "",
    body: str = "",
    status: int = 200,
) -> Template:
    listing = await services.listing_for(listing_id, viewer=viewer, uow=platform.new_uow())
    found = await conversations.read_thread(
        listing_id, viewer=viewer, buyer_id=buyer, uow=platform.new_uow()
    )
    context = {
        "listing": listing,
        "messages": found,
        "viewer": viewer,
        "buyer": buyer,
        "error": error,
        "body": body,
    }
    return render(request, "resale/messages.html", context, status=status)
