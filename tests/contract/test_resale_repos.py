"""Resale storage over memory, SQLite and PostgreSQL: a whole sale, one live listing per
barcode, the feed, many buyers racing for one listing, messages and organiser rules."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tests.contract.support import Make, NewUow, unique_phone, unique_tag

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.commands import CancelEvent
from core.booking.services import cancel_event
from core.payments.ledger import LedgerAccount, trial_balance
from core.payments.model import PaymentId
from core.payments.ports import ProviderEventType
from core.payments.services import PaymentTerms, record_provider_event
from core.resale import conversations, escrow
from core.resale import services as resale
from core.resale.commands import BuyListing, ListTicket, SendMessage
from core.resale.model import (
    Escrow,
    EventType,
    Listing,
    ListingDetails,
    ListingStatus,
    PurchaseStatus,
)
from core.resale.ports import FeedFilter
from core.shared.errors import Conflict
from core.shared.money import Money
from core.shared.paging import PageRequest
from core.tickets.model import TicketStatus
from core.tickets.stagedoor import StagedoorTickets
from entrypoints.container import Database

TERMS = PaymentTerms(provider="memory", hold=timedelta(minutes=15))


async def _listed(make: Make, new_uow: NewUow, **price: int) -> tuple[Listing, object]:
    seller = await make.verified_account(unique_phone())
    host = await make.account()
    booking = await make.booking(await make.event(host), seller, 1)
    listing = await resale.list_ticket(
        ListTicket(seller.id, booking.tickets[0].barcode, Money(price.get("amount", 10_000), "RUB"),
                   EventType.CONCERT),
        uow=new_uow(),
        clock=make.clock,
        checkers={"stagedoor": StagedoorTickets(new_uow)},
    )  # fmt: skip
    return listing, booking


async def _bought(
    listing: Listing, new_uow: NewUow, make: Make, provider: MemoryPaymentProvider
) -> None:
    """A verified buyer buys the listing and the payment succeeds."""
    buyer = await make.verified_account(unique_phone())
    purchase, payment = await resale.buy_listing(
        BuyListing(listing.id, buyer.id), uow=new_uow(), clock=make.clock, terms=TERMS
    )
    async with new_uow() as uow:
        stored = await uow.payments.get_for_update(PaymentId(payment.id))
        stored.open(f"ref-{unique_tag()}", "https://pay.example", make.clock.now())
        await uow.payments.save(stored)
        await uow.commit()
    news = provider.event(
        ProviderEventType.PAYMENT_SUCCEEDED, stored.provider_ref, event_id=f"evt_{unique_tag()}"
    )
    await record_provider_event(news, provider="memory", uow=new_uow(), clock=make.clock)
    await escrow.complete_purchase(
        purchase.id, uow=new_uow(), clock=make.clock, providers={"memory": provider}
    )


async def test_a_whole_sale_reissues_the_ticket_and_balances_the_books(
    new_uow: NewUow, make: Make
) -> None:
    listing, booking = await _listed(make, new_uow)
    await _bought(listing, new_uow, make, MemoryPaymentProvider())
    async with new_uow() as uow:
        sold = await uow.listings.get(listing.id)
        old = await uow.tickets.get(booking.tickets[0].id)
        new = await uow.tickets.get(sold.new_ticket_id)
        balances = await uow.ledger.balances()
    assert sold.status is ListingStatus.SOLD
    assert sold.escrow is Escrow.HELD
    assert sold.barcode == listing.barcode
    assert old.status is TicketStatus.REVOKED
    assert new.holder_id == sold.buyer_id
    assert trial_balance(balances) == {"RUB": 0}
    make.clock.advance(timedelta(days=8))  # past the start: the escrow is released
    providers = {"memory": MemoryPaymentProvider()}
    await escrow.resale_upkeep(uow=new_uow(), clock=make.clock, providers=providers)
    async with new_uow() as uow:
        released = await uow.listings.get(listing.id)
        balances = await uow.ledger.balances()
    assert released.escrow is Escrow.RELEASED
    assert trial_balance(balances) == {"RUB": 0}
    assert balances[(LedgerAccount.PLATFORM_FEES, "RUB")] <= -500


async def test_a_cancelled_event_closes_what_is_on_sale_and_unwinds_what_is_sold(
    new_uow: NewUow, make: Make
) -> None:
    host = await make.account()
    event = await make.event(host)
    listed = []
    for _ in range(3):
        seller = await make.verified_account(unique_phone())
        ticket = (await make.booking(event, seller)).tickets[0]
        listed.append(
            await resale.list_ticket(
                ListTicket(seller.id, ticket.barcode, Money(5_000, "RUB"), EventType.CONCERT),
                uow=new_uow(), clock=make.clock, checkers={"stagedoor": StagedoorTickets(new_uow)},
            )
        )  # fmt: skip
    on_sale, sold, withdrawn = listed
    await _bought(sold, new_uow, make, MemoryPaymentProvider())
    await resale.withdraw_listing(
        withdrawn.id, actor=withdrawn.seller_id, uow=new_uow(), clock=make.clock
    )
    async with new_uow() as uow:
        assert await uow.listings.open_of_event(event.id) == [on_sale.id, sold.id]
    await cancel_event(CancelEvent(event.id, host.id, "storm"), uow=new_uow(), clock=make.clock)
    closed = await escrow.close_for_cancelled_event(
        event.id, uow=new_uow(), clock=make.clock, providers={"memory": MemoryPaymentProvider()}
    )
    assert closed == 2
    async with new_uow() as uow:
        assert await uow.listings.open_of_event(event.id) == []
        assert (await uow.listings.get(on_sale.id)).status is ListingStatus.WITHDRAWN
        unwound = await uow.listings.get(sold.id)
        purchase = await uow.purchases.get(unwound.purchase_id)
        payment = await uow.payments.get(PaymentId(purchase.payment_id))
    assert unwound.escrow is Escrow.REFUNDED
    assert purchase.status is PurchaseStatus.REFUNDED
    assert payment.refund_pending == 5_000


async def test_one_live_listing_per_barcode(new_uow: NewUow, make: Make) -> None:
    seller = await make.verified_account(unique_phone())
    details = ListingDetails("Gig", EventType.OTHER, make.later(days=3), "Omsk", "Club")
    checkers: dict = {}
    barcode = f"X{unique_tag()}".upper()

    async def list_it() -> Listing:
        return await resale.list_ticket(
            ListTicket(seller.id, barcode, Money(100, "RUB"), EventType.OTHER, "kassa", details),
            uow=new_uow(),
            clock=make.clock,
            checkers=checkers,
        )

    first = await list_it()
    with pytest.raises(Conflict, match="already on sale"):
        await list_it()
    await resale.withdraw_listing(first.id, actor=seller.id, uow=new_uow(), clock=make.clock)
    again = await list_it()
    assert again.id != first.id


async def test_the_feed_pages_newest_first_with_filters(new_uow: NewUow, make: Make) -> None:
    seller = await make.verified_account(unique_phone())
    city, made = f"City {unique_tag()}", []
    for n in range(5):
        kind = EventType.SPORT if n % 2 else EventType.THEATRE
        details = ListingDetails(f"Match {n}", kind, make.later(days=2), city, "Arena")
        made.append(
            await resale.list_ticket(
                ListTicket(seller.id, f"F{unique_tag()}", Money(100, "RUB"), kind, "k", details),
                uow=new_uow(), clock=make.clock, checkers={},
            )
        )  # fmt: skip
    seen, cursor = [], None
    while True:
        page = await resale.feed(
            FeedFilter(city=city.upper()), PageRequest(cursor, 2), uow=new_uow(), clock=make.clock
        )
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [m.id for m in reversed(made)]
    sport = await resale.feed(
        FeedFilter(EventType.SPORT, city, "match 3"), PageRequest(), uow=new_uow(), clock=make.clock
    )
    assert [i.id for i in sport.items] == [made[3].id]


async def test_of_many_buyers_at_once_exactly_one_holds_the_listing(
    database: Database, make: Make, clock: SteppingClock
) -> None:
    listing, _ = await _listed(make, database.new_uow)
    buyers = [await make.verified_account(unique_phone()) for _ in range(50)]

    async def attempt(buyer) -> bool:
        try:
            await resale.buy_listing(
                BuyListing(listing.id, buyer.id), uow=database.new_uow(), clock=clock, terms=TERMS
            )
        except Conflict:
            return False
        return True

    won = await asyncio.gather(*(attempt(b) for b in buyers))
    assert sum(won) == 1
    async with database.new_uow() as uow:
        held = await uow.listings.get(listing.id)
        purchase = await uow.purchases.get(held.purchase_id)
        payment = await uow.payments.get(PaymentId(purchase.payment_id))
    assert held.status is ListingStatus.HELD
    assert purchase.buyer_id == buyers[won.index(True)].id
    assert payment.amount == listing.price


async def test_messages_and_rules_round_trip(new_uow: NewUow, make: Make) -> None:
    listing, _ = await _listed(make, new_uow)
    buyer = await make.verified_account(unique_phone())
    sent = await conversations.send_message(
        SendMessage(listing.id, buyer.id, "mail me: a@b.cd"), uow=new_uow(), clock=make.clock
    )
    thread = await conversations.read_thread(
        listing.id, viewer=listing.seller_id, buyer_id=buyer.id, uow=new_uow()
    )
    assert thread == [sent]
    assert "a@b.cd" not in sent.body
    threads = await conversations.threads_of(listing.id, viewer=listing.seller_id, uow=new_uow())
    assert [(t.buyer_id, t.count) for t in threads] == [(buyer.id, 1)]
    organiser = await make.account()
    await resale.set_price_cap(organiser.id, 150, uow=new_uow())
    rules = await resale.set_price_cap(organiser.id, 110, uow=new_uow())
    assert await resale.rules_of(organiser.id, uow=new_uow()) == rules
