"""Buying: one buyer at a time, the payment page, the sale and the reissued ticket, escrow
and payout in a balanced ledger, failed and late payments, expiry, disputes, messages."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tests.unit.core.resale.conftest import Market
from tests.unit.support import HOLD_TERMS, Relay
from tests.unit.support import provider_news as news

from core.booking.commands import CancelEvent
from core.booking.services import cancel_event
from core.payments.ledger import LedgerAccount, trial_balance
from core.payments.model import PaymentStatus, RefundStatus
from core.payments.ports import ProviderEventType
from core.payments.services import expire_payments
from core.resale import conversations, escrow
from core.resale import services as resale
from core.resale.commands import BuyListing, SendMessage
from core.resale.messages import MASK, mask_contacts
from core.resale.model import DISPUTE_WINDOW, Escrow, ListingStatus, PurchaseStatus
from core.shared.errors import Conflict, NotFound, PermissionDenied
from core.shared.money import Money
from core.shared.paging import PageRequest
from core.tickets.model import TicketStatus

RUB = "RUB"


async def test_a_buyer_pays_and_gets_a_new_ticket_the_seller_is_paid_less_the_fee(
    market: Market, relay: Relay
) -> None:
    seller, buyer = await market.person(), await market.person()
    _, booking = await market.ticket(seller)
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
    assert sold.escrow is Escrow.RELEASED
    assert sold.barcode_for(buyer.id) is None  # a Stagedoor buyer gets a new ticket instead
    assert sold.barcode_for(seller.id) is None
    async with market.new_uow() as uow:
        revoked = await uow.tickets.get(old.id)
        fresh = await uow.tickets.get(sold.new_ticket_id)
        done = await uow.purchases.get(purchase.id)
        balances = await uow.ledger.balances()
    assert revoked.status is TicketStatus.REVOKED
    assert revoked.replaced_by == fresh.id
    assert fresh.holder_id == buyer.id
    assert fresh.barcode != old.barcode
    assert done.status is PurchaseStatus.COMPLETED
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
    _purchase, payment = await market.buy(listing, buyer)
    with pytest.raises(Conflict, match="someone else is paying"):
        await market.buy(listing, second)
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
    _, slow_payment = await market.buy(listing, late)
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
    assert slow.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
    assert refunds[0].status in (RefundStatus.PENDING, RefundStatus.SUCCEEDED)


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
        listing.id, viewer=buyer.id, buyer_id=None, uow=market.new_uow(), clock=market.clock
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
