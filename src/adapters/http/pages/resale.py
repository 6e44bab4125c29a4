"""Resale pages for buyers: the feed with filters, a listing with its buy button (and, for its
seller, withdraw, mark outdated and the buyers' questions), and a purchase.

Buying holds the ticket and goes straight on to the payment page; the provider sends the
buyer back to the purchase page, which refreshes itself until the payment's news arrived and
then shows the barcode (and its QR code) to the buyer alone. No page shows a listed barcode:
its seller sees the last four characters.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from markupsafe import Markup

from adapters.http.deps import PlatformDep
from adapters.http.pages.layout import render, see_other
from adapters.http.pages.session import SignedIn, login_url, viewer_of
from adapters.http.problems import status_for
from adapters.http.qr import qr_svg
from adapters.http.resale import buy
from adapters.http.tickets import NO_STORE
from core.payments.model import OPEN, PaymentId
from core.payments.services import find_payment
from core.resale import conversations, services
from core.resale.model import (
    CITY_MAX,
    EVENT_NAME_MAX,
    Escrow,
    EventType,
    ListingId,
    ListingStatus,
    PurchaseId,
    PurchaseStatus,
)
from core.resale.ports import FeedFilter
from core.shared.errors import Conflict, PermissionDenied, ValidationFailed
from core.shared.paging import PageRequest
from core.tickets.authenticity import Authenticity

AnyRequest = Request[Any, Any, Any]
EVENT_TYPES = [kind.value for kind in EventType]


class ResalePages(Controller):
    path = "/resale"
    include_in_schema = False

    @get("/")
    async def feed(
        self,
        request: AnyRequest,
        platform: PlatformDep,
        event_type: Annotated[str, QueryParameter(max_length=20)] = "",
        city: Annotated[str, QueryParameter(max_length=CITY_MAX)] = "",
        q: Annotated[str, QueryParameter(max_length=EVENT_NAME_MAX)] = "",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        kind = EventType(event_type) if event_type in EVENT_TYPES else None
        page = await services.feed(
            FeedFilter(kind, city.strip() or None, q.strip() or None),
            PageRequest.parse(cursor, 20),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        more = None
        if page.next_cursor is not None:
            query = {"event_type": event_type, "city": city, "q": q}
            more = "/resale?" + urlencode({**query, "cursor": page.next_cursor.encode()})
        context = {
            "listings": page.items,
            "event_type": event_type,
            "city": city,
            "q": q,
            "more": more,
            "event_types": EVENT_TYPES,
        }
        return render(request, "resale/feed.html", context)

    @get("/listings/{listing_id:uuid}")
    async def listing(
        self, request: AnyRequest, listing_id: FromPath[UUID], platform: PlatformDep
    ) -> Template:
        return await listing_page(request, platform, ListingId(listing_id))

    @post("/listings/{listing_id:uuid}/buy", status_code=303)
    async def buy(
        self,
        request: AnyRequest,
        listing_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        try:
            bought, payment_url = await buy(platform, ListingId(listing_id), signed_in)
        except (Conflict, PermissionDenied, ValidationFailed) as exc:
            return await listing_page(
                request, platform, ListingId(listing_id), error=exc.detail, status=status_for(exc)
            )
        if payment_url is None:
            return see_other(f"/resale/purchases/{bought.purchase.id}")
        return Redirect(payment_url, status_code=303)

    @post("/listings/{listing_id:uuid}/withdraw", status_code=303)
    async def withdraw(
        self, listing_id: FromPath[UUID], platform: PlatformDep, signed_in: SignedIn
    ) -> Redirect:
        await services.withdraw_listing(
            ListingId(listing_id), actor=signed_in, uow=platform.new_uow(), clock=platform.clock
        )
        return see_other(f"/resale/listings/{listing_id}")

    @post("/listings/{listing_id:uuid}/expire", status_code=303)
    async def expire(
        self, listing_id: FromPath[UUID], platform: PlatformDep, signed_in: SignedIn
    ) -> Redirect:
        await services.mark_listing_expired(
            ListingId(listing_id), actor=signed_in, uow=platform.new_uow(), clock=platform.clock
        )
        return see_other(f"/resale/listings/{listing_id}")

    @get("/purchases/{purchase_id:uuid}")
    async def purchase(
        self,
        request: AnyRequest,
        purchase_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        bought = await services.purchase_for(
            PurchaseId(purchase_id), viewer=signed_in, uow=platform.new_uow()
        )
        pending = bought.purchase.status is PurchaseStatus.PENDING
        payment_url = None
        if pending and bought.purchase.payment_id is not None:
            payment = await find_payment(
                PaymentId(bought.purchase.payment_id), uow=platform.new_uow()
            )
            payment_url = payment.redirect_url if payment.status in OPEN else None
        context = {
            "bought": bought,
            "listing": bought.listing,
            "pending": pending,
            "payment_url": payment_url,
            "unwound": bought.listing.escrow is Escrow.REFUNDED,
            "qr": Markup(qr_svg(bought.barcode)) if bought.barcode else None,  # noqa: S704 - segno's SVG
        }
        return render(request, "resale/purchase.html", context, headers=NO_STORE)


async def listing_page(
    request: AnyRequest,
    platform: PlatformDep,
    listing_id: ListingId,
    *,
    error: str = "",
    status: int = 200,
) -> Template:
    viewer = viewer_of(request)
    now = platform.clock.now()
    listing = await services.listing_for(listing_id, viewer=viewer, uow=platform.new_uow())
    mine = listing.is_seller(viewer)
    threads = []
    if mine:
        threads = await conversations.threads_of(
            listing_id, viewer=listing.seller_id, uow=platform.new_uow()
        )
    context = {
        "listing": listing,
        "mine": mine,
        "bought": listing.is_buyer(viewer),
        "on_sale": listing.free(now),
        "held": listing.status is ListingStatus.HELD and not listing.held_lapsed(now),
        "unverified": listing.authenticity is not Authenticity.GENUINE,
        "hint": listing.barcode_hint(viewer),
        "threads": threads,
        "viewer": viewer,
        "error": error,
        "login_url": login_url(request.url.path),
    }
    return render(request, "resale/listing.html", context, status=status)
