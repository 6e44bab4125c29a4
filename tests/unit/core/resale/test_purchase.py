"""Buying: one buyer at a time, the payment page, the sale and the reissued ticket, escrow
and payout in a balanced ledger, failed and late payments, expiry, disputes, messages."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import attrs
import pytest
from tests.unit.core.resale.conftest import Market
from tests.unit.support import HOLD_TERMS, Relay, book_and_check_out
from tests.unit.support import provider_news as news

from core.booking.commands import CancelEvent
from core.booking.model import Event
from core.booking.services import cancel_event
from core.identity.model import Account
from core.payments.ledger import LedgerAccount, trial_balance
from core.payments.model import PaymentStatus, RefundStatus
from core.payments.ports import ProviderEventType
from core.payments.services import expire_payments, resend_unsent_payouts
from core.resale import conversations, escrow
from core.resale import services as resale
from core.resale.commands import BuyListing, SendMessage
from core.resale.messages import MASK, mask_contacts
from core.resale.model import DISPUTE_WINDOW, Escrow, Listing, ListingStatus, PurchaseStatus
from core.shared.errors import Conflict, NotFound, PermissionDenied
from core.shared.money import Money
from core.shared.paging import PageRequest
from core.tickets.model import TicketStatus
from core.tickets.services import ScanAtDoor, check_at_door

RUB = "RUB"


@attrs.frozen
class Sale:
    event: Event
    listing: Listing
    seller: Account
    buyer: Account


async def stagedoor_sale(market: Market, relay: Relay, amount: int) -> Sale:
    """A verified seller's Stagedoor ticket listed at `amount` and bought and paid for."""
    seller, buyer = await market.person(), await market.person()
    event, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(amount, RUB))
    _, payment = await market.buy(listing, buyer)
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    return Sale(event, listing, seller, buyer)


async def test_a_buyer_pays_and_gets_a_new_ticket_the_seller_is_paid_less_the_fee_at_the_start(
    market: Market, relay: Relay
) -> None:
    seller, buyer = await market.person(), await market.person()
    event, booking = await market.ticket(seller)
    old = booking.tickets[0]
    listing = await market.list(seller, old.barcode, Money(100_000, RUB))
    purchase, payment = await market.buy(listing, buyer)
    held = await market.stored(listing)
    assert held.status is ListingStatus.HELD
    assert held.barcode_for(buyer.id) is None
    assert payment.redirect_url is not None
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()

    sold = await market.stored(listing)
    assert sold.status is ListingStatus.SOLD
    assert sold.buyer_id == buyer.id
    assert sold.escrow is Escrow.HELD  # until the event starts: it could still be cancelled
    assert sold.release_after == event.starts_at
    assert sold.barcode_for(buyer.id) is None  # a Stagedoor buyer gets a new ticket instead
    assert sold.barcode_for(seller.id) is None
    async with market.new_uow() as uow:
        revoked = await uow.tickets.get(old.id)
        fresh = await uow.tickets.get(sold.new_ticket_id)
        done = await uow.purchases.get(purchase.id)
        held_books = await uow.ledger.balances()
    assert revoked.status is TicketStatus.REVOKED
    assert revoked.replaced_by == fresh.id
    assert fresh.holder_id == buyer.id
    assert fresh.barcode != old.barcode
    assert done.status is PurchaseStatus.COMPLETED
    view = await resale.purchase_for(purchase.id, viewer=buyer.id, uow=market.new_uow())
    assert (view.ticket_id, view.barcode) == (fresh.id, fresh.barcode)
    with pytest.raises(NotFound):
        await resale.purchase_for(purchase.id, viewer=seller.id, uow=market.new_uow())
    assert market.provider.payouts == {}
    assert held_books[(LedgerAccount.CUSTOMER_PAYMENTS, RUB)] == -100_000
    assert (LedgerAccount.SELLER_PAYOUTS, RUB) not in held_books

    providers = {market.provider.name: market.provider}
    market.clock.advance(event.starts_at - market.clock.now() - timedelta(seconds=1))

    async def upkeep() -> int:
        return await escrow.resale_upkeep(
            uow=market.new_uow(), clock=market.clock, providers=providers
        )

    assert await upkeep() == 0
    market.clock.advance(timedelta(seconds=1))
    assert await upkeep() == 1
    assert await upkeep() == 0
    sold = await market.stored(listing)
    assert sold.escrow is Escrow.RELEASED
    async with market.new_uow() as uow:
        balances = await uow.ledger.balances()
    assert next(iter(market.provider.payouts.values())).amount == Money(95_000, RUB)
    assert balances[(LedgerAccount.PLATFORM_FEES, RUB)] == -5_000
    assert balances[(LedgerAccount.SELLER_PAYOUTS, RUB)] == 0  # paid out in full
    assert balances[(LedgerAccount.CUSTOMER_PAYMENTS, RUB)] == 0
    assert trial_balance(balances) == {RUB: 0}
    assert sold.payout_id is not None
    bought = await resale.my_purchases(buyer.id, PageRequest(), uow=market.new_uow())
    assert [b.id for b in bought.items] == [listing.id]


async def test_the_seller_cannot_buy_and_the_buyer_needs_a_verified_phone(market: Market) -> None:
    seller, unverified = await market.person(), await market.person(verified=False)
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    with pytest.raises(PermissionDenied, match="your own listing"):
        await market.buy(listing, seller)
    with pytest.raises(PermissionDenied, match="verify your phone"):
        await market.buy(listing, unverified)


async def test_of_many_buyers_at_once_one_pays_the_others_get_nothing_to_pay(
    market: Market,
) -> None:
    seller = await market.person()
    buyers = [await market.person() for _ in range(8)]
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))

    async def attempt(buyer):
        try:
            return await resale.buy_listing(
                BuyListing(listing.id, buyer.id),
                uow=market.new_uow(),
                clock=market.clock,
                terms=HOLD_TERMS,
            )
        except Conflict:
            return None

    results = await asyncio.gather(*(attempt(b) for b in buyers))
    assert sum(r is not None for r in results) == 1
    assert len(market.store.table("payments")) == 1  # the losers left no payment behind


async def test_a_failed_payment_puts_the_ticket_back_on_sale(market: Market, relay: Relay) -> None:
    seller, buyer, second = await market.person(), await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    purchase, payment = await market.buy(listing, buyer)
    with pytest.raises(Conflict, match="someone else is paying"):
        await market.buy(listing, second)
    again, same = await market.buy(listing, buyer)  # the buyer comes back to pay
    assert (again.id, same.id, same.redirect_url) == (purchase.id, payment.id, payment.redirect_url)
    await news(
        market.provider, payment, market.new_uow, market.clock, ProviderEventType.PAYMENT_FAILED
    )
    await relay.drain()
    assert (await market.stored(listing)).status is ListingStatus.AVAILABLE
    await market.buy(listing, second)
    assert (await market.stored(listing)).status is ListingStatus.HELD


async def test_a_payment_arriving_after_someone_else_bought_is_refunded(
    market: Market, relay: Relay
) -> None:
    seller, late, quick = await market.person(), await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    slow_purchase, slow_payment = await market.buy(listing, late)
    market.clock.advance(HOLD_TERMS.hold + timedelta(seconds=1))
    await expire_payments(uow=market.new_uow(), clock=market.clock)
    await relay.drain()
    _, quick_payment = await market.buy(listing, quick)
    await news(market.provider, quick_payment, market.new_uow, market.clock)
    await news(market.provider, slow_payment, market.new_uow, market.clock)
    await relay.drain()
    sold = await market.stored(listing)
    assert sold.buyer_id == quick.id
    async with market.new_uow() as uow:
        refunds = await uow.refunds.for_payment(slow_payment.id)
        slow = await uow.payments.get(slow_payment.id)
    assert [r.amount for r in refunds] == [Money(100, RUB)]
    assert [r.payment_id for r in market.provider.refunds.values()] == [slow_payment.id]
    assert slow.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
    assert refunds[0].status in (RefundStatus.PENDING, RefundStatus.SUCCEEDED)
    view = await resale.purchase_for(slow_purchase.id, viewer=late.id, uow=market.new_uow())
    assert view.purchase.status is PurchaseStatus.REFUNDED
    assert (view.ticket_id, view.barcode) == (None, None)  # someone else got the ticket


async def test_a_late_payment_for_a_ticket_still_free_buys_it(market: Market, relay: Relay) -> None:
    seller, buyer = await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    _, payment = await market.buy(listing, buyer)
    market.clock.advance(HOLD_TERMS.hold + timedelta(seconds=1))
    await expire_payments(uow=market.new_uow(), clock=market.clock)
    await relay.drain()
    assert (await market.stored(listing)).status is ListingStatus.AVAILABLE
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    assert (await market.stored(listing)).buyer_id == buyer.id


async def test_an_external_sale_holds_the_money_until_the_dispute_window_closes(
    market: Market, relay: Relay
) -> None:
    seller, buyer, other = await market.person(), await market.person(), await market.person()
    details = market.details(starts_at=market.clock.current + timedelta(days=1))
    listing = await market.list(
        seller, "EXT-77", Money(10_000, RUB), issuer="kassa", details=details
    )
    _, payment = await market.buy(listing, buyer)
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    sold = await market.stored(listing)
    assert sold.escrow is Escrow.HELD
    assert sold.release_after == details.starts_at + DISPUTE_WINDOW
    assert sold.barcode_for(buyer.id) == "EXT77"
    assert sold.barcode_for(other.id) is None
    view = await resale.purchase_for(sold.purchase_id, viewer=buyer.id, uow=market.new_uow())
    assert (view.ticket_id, view.barcode) == (None, "EXT77")
    assert await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers={}) == 0
    market.clock.advance(timedelta(days=1) + DISPUTE_WINDOW)
    provider = {market.provider.name: market.provider}
    assert (
        await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers=provider)
        == 1
    )
    assert (
        await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers=provider)
        == 0
    )
    assert (await market.stored(listing)).escrow is Escrow.RELEASED
    assert [p.amount for p in market.provider.payouts.values()] == [Money(9_500, RUB)]


async def test_a_disputed_sale_is_not_paid_out(market: Market, relay: Relay) -> None:
    seller, buyer = await market.person(), await market.person()
    listing = await market.list(
        seller, "E1", Money(10_000, RUB), issuer="kassa", details=market.details()
    )
    _, payment = await market.buy(listing, buyer)
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    with pytest.raises(NotFound):
        await escrow.dispute_sale(
            listing.id, actor=seller.id, uow=market.new_uow(), clock=market.clock
        )
    disputed = await escrow.dispute_sale(
        listing.id, actor=buyer.id, uow=market.new_uow(), clock=market.clock
    )
    assert disputed.escrow is Escrow.DISPUTED
    market.clock.advance(timedelta(days=30))
    assert await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers={}) == 0
    assert market.provider.payouts == {}


async def test_listings_expire_when_their_event_starts_once(market: Market) -> None:
    seller = await market.person()
    _, booking = await market.ticket(seller, starts_at=market.clock.current + timedelta(hours=2))
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    assert await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers={}) == 0
    market.clock.advance(timedelta(hours=3))
    assert await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers={}) == 1
    assert await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers={}) == 0
    assert (await market.stored(listing)).status is ListingStatus.EXPIRED
    async with market.new_uow() as uow:
        assert not (await uow.tickets.get(booking.tickets[0].id)).on_sale


async def test_cancelling_the_event_withdraws_its_listings(market: Market, relay: Relay) -> None:
    seller = await market.person()
    event, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    await cancel_event(
        CancelEvent(event.id, event.host_id, "rain"), uow=market.new_uow(), clock=market.clock
    )
    await relay.drain()
    assert (await market.stored(listing)).status is ListingStatus.WITHDRAWN


async def _settle_refunds(market: Market, relay: Relay) -> dict[UUID, Money]:
    """The provider reports every refund it was asked for as done; the amounts by payment."""
    refunded: dict[UUID, Money] = {}
    for ref, request in list(market.provider.refunds.items()):
        async with market.new_uow() as uow:
            payment = await uow.payments.get(request.payment_id)
        await news(
            market.provider,
            payment,
            market.new_uow,
            market.clock,
            ProviderEventType.REFUND_SUCCEEDED,
            refund_ref=ref,
        )
        refunded[request.payment_id] = request.amount
    await relay.drain()
    return refunded


async def test_cancelling_the_event_unwinds_every_resale_of_its_tickets(
    market: Market, relay: Relay
) -> None:
    host, seller = await market.person(), await market.person()
    buyer, second = await market.person(), await market.person()
    event = await market.publish(host, price=Money(80_000, RUB))
    booking, booked = await book_and_check_out(
        event, seller, 1, new_uow=market.new_uow, clock=market.clock, provider=market.provider
    )
    await news(market.provider, booked, market.new_uow, market.clock)
    await relay.drain()
    async with market.new_uow() as uow:
        ticket = (await uow.bookings.get(booking.id)).tickets[0]
    first = await market.list(seller, ticket.barcode, Money(90_000, RUB))
    _, paid = await market.buy(first, buyer)
    await news(market.provider, paid, market.new_uow, market.clock)
    await relay.drain()
    sold = await market.stored(first)
    async with market.new_uow() as uow:
        bought = await uow.tickets.get(sold.new_ticket_id)
    again = await market.list(buyer, bought.barcode, Money(100_000, RUB))  # sold on once more
    _, paid_again = await market.buy(again, second)
    await news(market.provider, paid_again, market.new_uow, market.clock)
    await relay.drain()

    await cancel_event(
        CancelEvent(event.id, host.id, "the hall flooded"), uow=market.new_uow(), clock=market.clock
    )
    await relay.drain()
    refunded = await _settle_refunds(market, relay)

    assert refunded == {  # every payer gets back exactly what they paid
        booked.id: Money(80_000, RUB),
        paid.id: Money(90_000, RUB),
        paid_again.id: Money(100_000, RUB),
    }
    for listing in (first, again):
        unwound = await market.stored(listing)
        assert unwound.escrow is Escrow.REFUNDED
        assert unwound.payout_id is None
        async with market.new_uow() as uow:
            assert (await uow.purchases.get(unwound.purchase_id)).status is PurchaseStatus.REFUNDED
    assert market.provider.payouts == {}
    resold = await market.stored(again)
    async with market.new_uow() as uow:
        balances = await uow.ledger.balances()
        held = await uow.tickets.get(resold.new_ticket_id)
    assert held.status is TicketStatus.VOID
    assert balances[(LedgerAccount.CUSTOMER_PAYMENTS, RUB)] == 0
    assert balances[(LedgerAccount.PROVIDER_CASH, RUB)] == 0
    assert balances.get((LedgerAccount.PLATFORM_FEES, RUB), 0) == 0
    assert balances.get((LedgerAccount.SELLER_PAYOUTS, RUB), 0) == 0
    assert trial_balance(balances) == {RUB: 0}
    kinds = {(n.recipient_id, n.template) for n in market.store.table("notifications").values()}
    assert {
        (seller.id, "resale_unwound_seller"),
        (buyer.id, "resale_unwound_buyer"),
        (buyer.id, "resale_unwound_seller"),
        (second.id, "resale_unwound_buyer"),
    } <= kinds
    providers = {market.provider.name: market.provider}
    market.clock.advance(timedelta(days=60))  # nothing is released after the start either
    await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers=providers)
    assert market.provider.payouts == {}


async def test_an_unhandled_cancellation_stops_the_release_at_the_start(
    market: Market, relay: Relay
) -> None:
    sale = await stagedoor_sale(market, relay, 10_000)
    event, listing = sale.event, sale.listing
    await cancel_event(
        CancelEvent(event.id, event.host_id, "rain"), uow=market.new_uow(), clock=market.clock
    )  # its handlers have not run yet when the start passes
    market.clock.advance(event.starts_at - market.clock.now())
    providers = {market.provider.name: market.provider}
    changed = await escrow.resale_upkeep(
        uow=market.new_uow(), clock=market.clock, providers=providers
    )
    assert changed == 1
    assert (await market.stored(listing)).escrow is Escrow.REFUNDED
    assert [r.amount for r in market.provider.refunds.values()] == [Money(10_000, RUB)]
    await relay.drain()  # the cancellation's own handler finds nothing left to do
    assert market.provider.payouts == {}
    assert len(market.provider.refunds) == 1


async def test_a_payout_the_provider_missed_at_the_release_is_resent_later(
    market: Market, relay: Relay
) -> None:
    sale = await stagedoor_sale(market, relay, 20_000)
    event, listing = sale.event, sale.listing
    providers = {market.provider.name: market.provider}
    market.clock.advance(event.starts_at - market.clock.now())
    market.provider.down = True
    await escrow.resale_upkeep(uow=market.new_uow(), clock=market.clock, providers=providers)
    released = await market.stored(listing)
    assert released.escrow is Escrow.RELEASED
    [pending] = market.store.table("payouts").values()
    assert (pending.id, pending.status.value, pending.provider) == (
        released.payout_id,
        "pending",
        market.provider.name,
    )
    market.provider.down = False
    market.clock.advance(timedelta(minutes=1))
    sent = await resend_unsent_payouts(
        uow=market.new_uow(), providers=providers, clock=market.clock
    )
    assert sent == 1
    assert [p.amount for p in market.provider.payouts.values()] == [Money(19_000, RUB)]
    async with market.new_uow() as uow:
        balances = await uow.ledger.balances()
    assert balances[(LedgerAccount.SELLER_PAYOUTS, RUB)] == 0
    assert trial_balance(balances) == {RUB: 0}


async def test_a_stagedoor_sale_cannot_be_disputed(market: Market, relay: Relay) -> None:
    sale = await stagedoor_sale(market, relay, 10_000)
    listing, buyer = sale.listing, sale.buyer
    with pytest.raises(Conflict, match="reissued to you"):
        await escrow.dispute_sale(
            listing.id, actor=buyer.id, uow=market.new_uow(), clock=market.clock
        )


async def test_messages_mask_contacts_and_stay_in_their_thread(market: Market) -> None:
    seller, buyer, other = await market.person(), await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))

    async def send(author, body, buyer_id=None):
        return await conversations.send_message(
            SendMessage(listing.id, author.id, body, buyer_id),
            uow=market.new_uow(),
            clock=market.clock,
        )

    with pytest.raises(NotFound):
        await send(seller, "hello", buyer.id)  # nobody wrote yet
    asked = await send(buyer, "Is row 5 ok? call +7 (999) 123-45-67 or me@mail.ru")
    assert "999" not in asked.body
    assert "mail.ru" not in asked.body
    assert asked.body.count(MASK) == 2
    await send(seller, "yes, write to seller(at)example(dot)com", buyer.id)
    await send(other, "still for sale?")
    thread = await conversations.read_thread(
        listing.id, viewer=buyer.id, buyer_id=None, uow=market.new_uow()
    )
    assert [m.author_id for m in thread] == [buyer.id, seller.id]
    assert "example" not in thread[1].body
    threads = await conversations.threads_of(listing.id, viewer=seller.id, uow=market.new_uow())
    assert {t.buyer_id for t in threads} == {buyer.id, other.id}
    with pytest.raises(NotFound):
        await conversations.threads_of(listing.id, viewer=buyer.id, uow=market.new_uow())


def test_masking_leaves_ordinary_text_alone() -> None:
    assert (
        mask_contacts("Row 5, seat 12, 2 tickets at 19:00") == "Row 5, seat 12, 2 tickets at 19:00"
    )
    assert mask_contacts("tg @jazzfan99 please") == f"tg {MASK} please"
    assert mask_contacts("8 999 123 45 67") == MASK


async def test_a_payment_landing_after_the_event_was_cancelled_is_refunded_and_the_listing_goes(
    market: Market, relay: Relay
) -> None:
    seller, buyer = await market.person(), await market.person()
    event, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(30_000, RUB))
    purchase, payment = await market.buy(listing, buyer)
    await cancel_event(
        CancelEvent(event.id, event.host_id, "storm"), uow=market.new_uow(), clock=market.clock
    )
    await relay.drain()
    assert (await market.stored(listing)).status is ListingStatus.HELD  # the buyer still pays
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    gone = await market.stored(listing)
    assert (gone.status, gone.purchase_id, gone.escrow) == (
        ListingStatus.WITHDRAWN,
        None,
        Escrow.NONE,
    )
    assert [(r.payment_id, r.amount) for r in market.provider.refunds.values()] == [
        (payment.id, Money(30_000, RUB))
    ]
    async with market.new_uow() as uow:
        ticket = await uow.tickets.get(booking.tickets[0].id)
        done = await uow.purchases.get(purchase.id)
    assert (ticket.status, ticket.on_sale) == (TicketStatus.VOID, False)
    assert done.status is PurchaseStatus.REFUNDED
    assert done.settled_at is not None


async def test_a_ticket_used_at_the_door_while_listed_is_not_sold(
    market: Market, relay: Relay
) -> None:
    seller, buyer = await market.person(), await market.person()
    event, booking = await market.ticket(seller)
    barcode = booking.tickets[0].barcode
    listing = await market.list(seller, barcode, Money(30_000, RUB))
    _, payment = await market.buy(listing, buyer)
    check = await check_at_door(
        ScanAtDoor(event.id, barcode, event.host_id), uow=market.new_uow(), clock=market.clock
    )
    assert check.admitted
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    assert (await market.stored(listing)).status is ListingStatus.WITHDRAWN
    assert [r.amount for r in market.provider.refunds.values()] == [Money(30_000, RUB)]
    async with market.new_uow() as uow:
        assert [
            t.holder_id for t in (await uow.tickets.list_for_holder(buyer.id, PageRequest())).items
        ] == []


async def test_a_payment_landing_after_the_start_within_its_hold_sells_and_pays_out_at_once(
    market: Market, relay: Relay
) -> None:
    seller, buyer = await market.person(), await market.person()
    soon = market.clock.current + timedelta(minutes=10)
    _, booking = await market.ticket(seller, starts_at=soon)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(40_000, RUB))
    _, payment = await market.buy(listing, buyer)
    market.clock.advance(timedelta(minutes=11))  # the event started; the hold runs 15 minutes
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    sold = await market.stored(listing)
    assert (sold.status, sold.escrow) == (ListingStatus.SOLD, Escrow.RELEASED)
    [(ref, request)] = market.provider.payouts.items()
    assert (request.payout_id, request.account_id, request.amount) == (
        sold.payout_id,
        seller.id,
        Money(38_000, RUB),
    )
    [stored] = market.store.table("payouts").values()
    assert (stored.status.value, stored.provider, stored.provider_ref) == (
        "paid",
        market.provider.name,
        ref,
    )
    assert stored.reason == f"resale {listing.id}"
    async with market.new_uow() as uow:
        [release] = [e for e in await uow.ledger.entries() if e.kind.value == "release"]
    assert release.source_id == listing.id


async def test_upkeep_works_through_its_due_listings_in_batches(market: Market) -> None:
    seller = await market.person()
    start = market.clock.current + timedelta(hours=1)
    made = []
    for _ in range(3):
        _, booking = await market.ticket(seller, starts_at=start)
        made.append(await market.list(seller, booking.tickets[0].barcode, Money(100, RUB)))
    market.clock.advance(timedelta(hours=2))
    upkeep = escrow.resale_upkeep
    assert await upkeep(uow=market.new_uow(), clock=market.clock, providers={}, limit=2) == 2
    assert await upkeep(uow=market.new_uow(), clock=market.clock, providers={}) == 1
    assert await upkeep(uow=market.new_uow(), clock=market.clock, providers={}) == 0
    for item in made:
        assert (await market.stored(item)).status is ListingStatus.EXPIRED
