"""Resale over HTTP: the feed, selling, buying through the payment page, messages, rules.

Each handler turns HTTP into a core call and shapes the answer; who may see or do what is
decided in the core (a listing someone may not see is a 404 there). Barcodes appear only in
a purchase, for its buyer, once paid (see `resale_schemas`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from adapters.http.auth import BEARER, OPTIONAL_BEARER, CurrentAccount, Viewer
from adapters.http.deps import Platform, PlatformDep
from adapters.http.events import Cursor, Limit
from adapters.http.problems import problem_responses
from adapters.http.resale_schemas import (
    FeeIn,
    ListingIn,
    ListingOut,
    ListingPage,
    MessageIn,
    MessageOut,
    MessagesOut,
    PriceCapIn,
    PurchaseOut,
    RulesOut,
    ThreadOut,
    ThreadsOut,
)
from adapters.http.schemas import NO_NUL
from adapters.http.tickets import NO_STORE
from core.payments import services as payments
from core.payments.model import PaymentId
from core.resale import conversations, escrow, services
from core.resale.commands import BuyListing, SendMessage
from core.resale.model import CITY_MAX, EVENT_NAME_MAX, EventType, Listing, ListingId, PurchaseId
from core.resale.ports import FeedFilter
from core.shared.paging import Page, PageRequest

BuyerQuery = Annotated[
    UUID | None,
    QueryParameter(description="The seller names which buyer's thread", required=False),
]


def listing_page(page: Page[Listing], viewer: UUID | None) -> ListingPage:
    next_cursor = page.next_cursor.encode() if page.next_cursor else None
    return ListingPage([ListingOut.of(item, viewer) for item in page.items], next_cursor)


class ResaleController(Controller):
    """The ticket resale marketplace under /api/v1/resale."""

    path = "/api/v1/resale"
    tags = ["resale"]

    @get(
        "/listings",
        operation_id="resaleFeed",
        security=OPTIONAL_BEARER,
        responses=problem_responses(401, 422),
    )
    async def feed(
        self,
        platform: PlatformDep,
        viewer: Viewer,
        event_type: Annotated[EventType | None, QueryParameter(required=False)] = None,
        city: Annotated[
            str | None, QueryParameter(max_length=CITY_MAX, pattern=NO_NUL, required=False)
        ] = None,
        q: Annotated[
            str | None, QueryParameter(max_length=EVENT_NAME_MAX, pattern=NO_NUL, required=False)
        ] = None,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> ListingPage:
        """Tickets on sale for events still ahead, newest listing first; filter by event
        type, city (exact, any case) and words of the event's name."""
        page = await services.feed(
            FeedFilter(event_type, city or None, q or None),
            PageRequest.parse(cursor, limit),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return listing_page(page, viewer)

    @post(
        "/listings",
        status_code=201,
        operation_id="listTicket",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def sell(
        self, data: JSONBody[ListingIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> ListingOut:
        """Put a ticket on sale (a verified phone is needed). Its issuer is asked whether it
        is genuine: a refused ticket is a 422 on `barcode`; a ticket nobody can check is
        listed as `unverified`. One live listing per barcode (409 for a second)."""
        listing = await services.list_ticket(
            data.to_core(account_id),
            uow=platform.new_uow(),
            clock=platform.clock,
            checkers=platform.checkers,
        )
        return ListingOut.of(listing, account_id)

    @get(
        "/listings/{listing_id:uuid}",
        operation_id="getListing",
        security=OPTIONAL_BEARER,
        responses=problem_responses(401, 404),
    )
    async def read(
        self, listing_id: FromPath[UUID], platform: PlatformDep, viewer: Viewer
    ) -> ListingOut:
        """A listing on sale (anyone), or one sold, withdrawn or expired (its seller and
        buyer only)."""
        listing = await services.listing_for(
            ListingId(listing_id), viewer=viewer, uow=platform.new_uow()
        )
        return ListingOut.of(listing, viewer)

    @post(
        "/listings/{listing_id:uuid}/withdraw",
        status_code=200,
        operation_id="withdrawListing",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409),
    )
    async def withdraw(
        self, listing_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> ListingOut:
        """The seller takes the ticket off the market (not while someone is paying)."""
        listing = await services.withdraw_listing(
            ListingId(listing_id), actor=account_id, uow=platform.new_uow(), clock=platform.clock
        )
        return ListingOut.of(listing, account_id)

    @post(
        "/listings/{listing_id:uuid}/expire",
        status_code=200,
        operation_id="markListingExpired",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409),
    )
    async def expire(
        self, listing_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> ListingOut:
        """The seller marks the ticket outdated (no longer usable)."""
        listing = await services.mark_listing_expired(
            ListingId(listing_id), actor=account_id, uow=platform.new_uow(), clock=platform.clock
        )
        return ListingOut.of(listing, account_id)

    @post(
        "/listings/{listing_id:uuid}/buy",
        status_code=201,
        operation_id="buyListing",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409, 503),
    )
    async def buy(
        self, listing_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> PurchaseOut:
        """Hold the ticket for the caller and answer with `payment_url`, the page to pay on.
        While one buyer pays nobody else can (409); asking again during one's own hold
        returns the same purchase. The barcode comes once the payment succeeds:
        `GET /api/v1/resale/purchases/{id}`."""
        purchase, payment_url = await buy(platform, ListingId(listing_id), account_id)
        return PurchaseOut.of(purchase, payment_url)

    @get(
        "/purchases/{purchase_id:uuid}",
        operation_id="getPurchase",
        security=BEARER,
        responses=problem_responses(401, 404),
    )
    async def purchase(
        self, purchase_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> Response[PurchaseOut]:
        """A purchase of the caller's; once paid, with the barcode that admits them."""
        bought = await services.purchase_for(
            PurchaseId(purchase_id), viewer=account_id, uow=platform.new_uow()
        )
        return Response(PurchaseOut.of(bought), headers=NO_STORE)

    @post(
        "/listings/{listing_id:uuid}/dispute",
        status_code=200,
        operation_id="disputeSale",
        security=BEARER,
        responses=problem_responses(401, 404, 409),
    )
    async def dispute(
        self, listing_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> ListingOut:
        """The buyer of a ticket of another issuer says it did not work: the seller is not
        paid until support looks. Only within the dispute window."""
        listing = await escrow.dispute_sale(
            ListingId(listing_id), actor=account_id, uow=platform.new_uow(), clock=platform.clock
        )
        return ListingOut.of(listing, account_id)

    @get(
        "/my/listings",
        operation_id="myListings",
        security=BEARER,
        responses=problem_responses(401, 422),
    )
    async def my_listings(
        self,
        platform: PlatformDep,
        account_id: CurrentAccount,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> ListingPage:
        """Everything the caller listed, newest first, whatever became of it."""
        page = await services.my_listings(
            account_id, PageRequest.parse(cursor, limit), uow=platform.new_uow()
        )
        return listing_page(page, account_id)

    @get(
        "/my/purchases",
        operation_id="myResalePurchases",
        security=BEARER,
        responses=problem_responses(401, 422),
    )
    async def my_purchases(
        self,
        platform: PlatformDep,
        account_id: CurrentAccount,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> ListingPage:
        """The listings the caller bought, newest first."""
        page = await services.my_purchases(
            account_id, PageRequest.parse(cursor, limit), uow=platform.new_uow()
        )
        return listing_page(page, account_id)

    @get(
        "/listings/{listing_id:uuid}/messages",
        operation_id="readMessages",
        security=BEARER,
        responses=problem_responses(401, 404, 422),
    )
    async def messages(
        self,
        listing_id: FromPath[UUID],
        platform: PlatformDep,
        account_id: CurrentAccount,
        buyer_id: BuyerQuery = None,
    ) -> MessagesOut:
        """One conversation on a listing, oldest first: a buyer's own, or (for the seller)
        the one with `buyer_id`. Phone numbers and emails in them are masked."""
        found = await conversations.read_thread(
            ListingId(listing_id),
            viewer=account_id,
            buyer_id=buyer_id,
            uow=platform.new_uow(),
        )
        return MessagesOut([MessageOut.of(message, account_id) for message in found])

    @post(
        "/listings/{listing_id:uuid}/messages",
        status_code=201,
        operation_id="sendMessage",
        security=BEARER,
        responses=problem_responses(401, 404, 422),
    )
    async def send(
        self,
        listing_id: FromPath[UUID],
        data: JSONBody[MessageIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> MessageOut:
        """Write on a listing: a buyer in their own thread, the seller in the thread of
        `buyer_id` (who must have written first). Contacts are masked before storing."""
        message = await conversations.send_message(
            SendMessage(ListingId(listing_id), account_id, data.body, data.buyer_id),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return MessageOut.of(message, account_id)

    @get(
        "/listings/{listing_id:uuid}/threads",
        operation_id="listThreads",
        security=BEARER,
        responses=problem_responses(401, 404),
    )
    async def threads(
        self, listing_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> ThreadsOut:
        """The seller's view: every buyer's conversation on the listing, latest first."""
        found = await conversations.threads_of(
            ListingId(listing_id), viewer=account_id, uow=platform.new_uow()
        )
        return ThreadsOut([ThreadOut.of(thread) for thread in found])

    @get(
        "/rules/{organiser_id:uuid}",
        operation_id="resaleRules",
        responses=problem_responses(404),
    )
    async def rules(self, organiser_id: FromPath[UUID], platform: PlatformDep) -> RulesOut:
        """An organiser's resale rules: the price cap (null: none) and the platform fee."""
        found = await services.rules_of(organiser_id, uow=platform.new_uow())
        return RulesOut.of(found)

    @put(
        "/rules/me/price-cap",
        operation_id="setResalePriceCap",
        security=BEARER,
        responses=problem_responses(401, 422),
    )
    async def set_cap(
        self, data: JSONBody[PriceCapIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> RulesOut:
        """The caller, as an organiser, caps resales of their events' tickets at a
        percentage of face value (100 to 1000), or lifts the cap (null)."""
        changed = await services.set_price_cap(
            account_id, data.price_cap_percent, uow=platform.new_uow()
        )
        return RulesOut.of(changed)

    @put(
        "/rules/{organiser_id:uuid}/fee",
        operation_id="setResaleFee",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def set_fee(
        self,
        organiser_id: FromPath[UUID],
        data: JSONBody[FeeIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> RulesOut:
        """A platform admin sets the fee on one organiser's resales (basis points)."""
        changed = await services.set_fee(
            organiser_id, data.fee_bp, actor=account_id, uow=platform.new_uow()
        )
        return RulesOut.of(changed)


async def buy(
    platform: Platform, listing_id: ListingId, buyer_id: UUID
) -> tuple[services.Bought, str | None]:
    """Hold the listing and open the payment's checkout: the purchase and where to pay."""
    purchase, payment = await services.buy_listing(
        BuyListing(listing_id, buyer_id),
        uow=platform.new_uow(),
        clock=platform.clock,
        terms=platform.payment_terms,
    )
    opened = await payments.open_checkout(
        PaymentId(payment.id),
        uow=platform.new_uow(),
        providers=platform.payment_providers,
        urls=platform.return_urls,
        clock=platform.clock,
    )
    bought = await services.purchase_for(purchase.id, viewer=buyer_id, uow=platform.new_uow())
    return bought, opened.redirect_url
