"""What resale says, word for word: every refusal's kind, message and field, what an issuer's
checker is said to have answered, the notifications of a sale and of an unwound one, the
rules an admin sets, and the purchase a buyer is shown."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from tests.unit.core.resale.conftest import Market
from tests.unit.support import Relay
from tests.unit.support import provider_news as news

from core.booking.commands import CancelEvent
from core.booking.services import cancel_event
from core.identity.model import Role
from core.resale import conversations, escrow
from core.resale import services as resale
from core.resale.commands import SendMessage
from core.resale.messages import BODY_MAX, Message
from core.resale.model import EventType, ListingId, ListingStatus, ResaleRules
from core.resale.services import authenticity_of
from core.shared.errors import DomainError, ValidationFailed
from core.shared.money import Money
from core.tickets.authenticity import Authenticity, TicketClaim, Verdict

RUB = "RUB"
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def refusal(call: Awaitable[Any]) -> tuple[str, str, str | None]:
    """(error kind, message, field) of a refused call."""
    with pytest.raises(DomainError) as caught:
        await call
    error = caught.value
    field = error.field if isinstance(error, ValidationFailed) else None
    return type(error).__name__, error.detail, field


async def test_listing_refusals_word_for_word(market: Market) -> None:
    plain, seller = await market.person(verified=False), await market.person()
    _, booking = await market.ticket(seller)
    barcode = booking.tickets[0].barcode
    assert await refusal(market.list(plain, barcode, Money(100, RUB))) == (
        "PermissionDenied",
        "verify your phone number before selling tickets",
        None,
    )
    assert await refusal(market.list(seller, "X1", Money(100, RUB), issuer="kassa")) == (
        "ValidationFailed",
        "say which event the ticket is for",
        "event_name",
    )
    for issuer in ("", "   ", "no spaces", "a" * 41, "ünï"):
        assert await refusal(
            market.list(seller, "X1", Money(1, RUB), issuer=issuer, details=market.details())
        ) == (
            "ValidationFailed",
            "issuer is a name of letters, digits and '-', at most 40",
            "issuer",
        ), issuer
    for issuer in ("a" * 40, "tickets-ru", "-x-"):
        made = await market.list(
            seller,
            f"I{len(issuer)}{issuer}",
            Money(1, RUB),
            issuer=issuer,
            details=market.details(),
        )
        assert made.issuer == issuer
    naive = market.details(starts_at=datetime(2030, 3, 1, 19, 0))  # naive on purpose
    kind, _, field = await refusal(
        market.list(seller, "N1", Money(1, RUB), issuer="kassa", details=naive)
    )
    assert (kind, field) == ("ValidationFailed", "starts_at")
    past = market.details(starts_at=market.clock.current - timedelta(minutes=1))
    assert await refusal(
        market.list(seller, "P1", Money(1, RUB), issuer="kassa", details=past)
    ) == ("ValidationFailed", "the event must be in the future", "starts_at")
    await market.list(seller, barcode, Money(100, RUB))
    assert await refusal(market.list(seller, barcode, Money(100, RUB))) == (
        "Conflict",
        "this ticket is already listed or no longer yours to sell",
        None,
    )


async def test_a_cap_or_currency_refusal_names_the_price(market: Market) -> None:
    seller = await market.person()
    hosted, booking = await market.ticket(seller, price=Money(1_000, RUB))
    await resale.set_price_cap(hosted.host_id, 110, uow=market.new_uow())
    barcode = booking.tickets[0].barcode
    assert await refusal(market.list(seller, barcode, Money(1_101, RUB))) == (
        "ValidationFailed",
        "the organiser caps resale at 11.00 RUB for this ticket",
        "price",
    )
    assert await refusal(market.list(seller, barcode, Money(1_000, "EUR"))) == (
        "ValidationFailed",
        "the price must be in RUB",
        "price",
    )
    listing = await market.list(seller, barcode, Money(1_100, RUB))
    assert listing.price == Money(1_100, RUB)


async def test_buying_refusals_word_for_word(market: Market) -> None:
    seller, buyer, other = await market.person(), await market.person(), await market.person()
    plain = await market.person(verified=False)
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    assert await refusal(market.buy(listing, plain)) == (
        "PermissionDenied",
        "verify your phone number before buying tickets",
        None,
    )
    assert await refusal(market.buy(listing, seller)) == (
        "PermissionDenied",
        "you cannot buy your own listing",
        None,
    )
    purchase, _ = await market.buy(listing, buyer)
    assert purchase.amount == Money(100, RUB)
    assert purchase.created_at <= market.clock.current
    assert await refusal(market.buy(listing, other)) == (
        "Conflict",
        "someone else is paying for this ticket right now; try again later",
        None,
    )
    withdrawn = await market.list(
        seller, "W-1", Money(100, RUB), issuer="kassa", details=market.details()
    )
    await resale.withdraw_listing(
        withdrawn.id, actor=seller.id, uow=market.new_uow(), clock=market.clock
    )
    for viewer in (buyer, other):
        assert await refusal(market.buy(withdrawn, viewer)) == (
            "NotFound",
            "listing not found",
            None,
        )
    for call in (
        resale.listing_for(withdrawn.id, viewer=other.id, uow=market.new_uow()),
        resale.withdraw_listing(
            withdrawn.id, actor=other.id, uow=market.new_uow(), clock=market.clock
        ),
        resale.mark_listing_expired(
            withdrawn.id, actor=other.id, uow=market.new_uow(), clock=market.clock
        ),
    ):
        assert await refusal(call) == ("NotFound", "listing not found", None)
    assert await refusal(
        resale.withdraw_listing(
            listing.id, actor=seller.id, uow=market.new_uow(), clock=market.clock
        )
    ) == ("Conflict", "this listing is held; only an available listing can be changed", None)
    assert await refusal(
        resale.mark_listing_expired(
            listing.id, actor=buyer.id, uow=market.new_uow(), clock=market.clock
        )
    ) == ("PermissionDenied", "only the seller may change this listing", None)


async def test_a_race_lost_at_the_hold_says_why(market: Market) -> None:
    seller, buyer, late = await market.person(), await market.person(), await market.person()
    _, booking = await market.ticket(seller, starts_at=market.clock.current + timedelta(hours=1))
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    await market.buy(listing, buyer)
    market.clock.advance(timedelta(hours=2))  # the hold lapsed, and the event started
    assert await refusal(market.buy(listing, late)) == (
        "Conflict",
        "the event has started; this ticket can no longer be bought",
        None,
    )


async def test_conversation_refusals_word_for_word(market: Market) -> None:
    seller, buyer, other = await market.person(), await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))

    def send(author: Any, body: str, buyer_id: UUID | None = None) -> Awaitable[Message]:
        return conversations.send_message(
            SendMessage(listing.id, author.id, body, buyer_id),
            uow=market.new_uow(),
            clock=market.clock,
        )

    assert await refusal(send(seller, "hello")) == (
        "ValidationFailed",
        "say which buyer's thread to use",
        "buyer_id",
    )
    assert await refusal(send(seller, "hello", other.id)) == (
        "NotFound",
        "no such conversation on this listing",
        None,
    )
    assert await refusal(send(buyer, "  \n ")) == (
        "ValidationFailed",
        "a message must not be empty",
        "body",
    )
    assert await refusal(send(buyer, "x" * (BODY_MAX + 1))) == (
        "ValidationFailed",
        f"a message is at most {BODY_MAX} characters",
        "body",
    )
    longest = await send(buyer, "x" * BODY_MAX)
    assert len(longest.body) == BODY_MAX
    assert (longest.buyer_id, longest.author_id, longest.listing_id) == (
        buyer.id,
        buyer.id,
        listing.id,
    )
    answer = await send(seller, " yes ", buyer.id)
    assert (answer.buyer_id, answer.author_id, answer.body) == (buyer.id, seller.id, "yes")
    assert await refusal(
        conversations.threads_of(listing.id, viewer=buyer.id, uow=market.new_uow())
    ) == ("NotFound", "listing not found", None)
    await resale.withdraw_listing(
        listing.id, actor=seller.id, uow=market.new_uow(), clock=market.clock
    )
    for call in (
        send(other, "still there?"),
        conversations.read_thread(listing.id, viewer=other.id, buyer_id=None, uow=market.new_uow()),
    ):
        assert await refusal(call) == ("NotFound", "listing not found", None)
    thread = await conversations.read_thread(
        listing.id, viewer=seller.id, buyer_id=buyer.id, uow=market.new_uow()
    )
    assert [m.id for m in thread] == [longest.id, answer.id]


async def test_dispute_refusals_word_for_word(market: Market, relay: Relay) -> None:
    seller, buyer = await market.person(), await market.person()
    details = market.details()
    listing = await market.list(seller, "D-1", Money(100, RUB), issuer="kassa", details=details)

    def dispute(actor: Any, listing_id: ListingId = listing.id) -> Awaitable[Any]:
        return escrow.dispute_sale(
            listing_id, actor=actor.id, uow=market.new_uow(), clock=market.clock
        )

    assert await refusal(dispute(seller)) == ("NotFound", "listing not found", None)
    _, payment = await market.buy(listing, buyer)
    assert await refusal(dispute(buyer)) == ("NotFound", "listing not found", None)  # not yet
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    market.clock.advance(details.starts_at - market.clock.current + timedelta(days=2))
    assert await refusal(dispute(buyer)) == (
        "Conflict",
        "the dispute window of this sale has closed",
        None,
    )
    _, ticket = await market.ticket(seller)
    ours = await market.list(seller, ticket.tickets[0].barcode, Money(100, RUB))
    _, paid = await market.buy(ours, buyer)
    await news(market.provider, paid, market.new_uow, market.clock)
    await relay.drain()
    assert await refusal(dispute(buyer, ours.id)) == (
        "Conflict",
        "this ticket was reissued to you by Stagedoor and cannot be disputed;"
        " if it does not work at the door, contact support",
        None,
    )


async def test_a_checker_that_is_missing_or_fails_gives_an_unverified_verdict_with_a_reason() -> (
    None
):
    claim = TicketClaim("kassa", "K1", UUID(int=1), "Gig", NOW + timedelta(days=1))
    assert await authenticity_of(claim, {}, NOW) == Verdict(
        Authenticity.UNVERIFIED, "", "no checker knows kassa tickets"
    )

    class Broken:
        issuer = "kassa"

        async def check(self, claim: TicketClaim, now: datetime) -> Verdict:
            raise TimeoutError("partner down")

    assert await authenticity_of(claim, {"kassa": Broken()}, NOW) == Verdict(
        Authenticity.UNVERIFIED, "kassa", "the issuer could not be asked"
    )
    seen: list[tuple[TicketClaim, datetime]] = []

    class Sure:
        issuer = "kassa"

        async def check(self, claim: TicketClaim, now: datetime) -> Verdict:
            seen.append((claim, now))
            return Verdict(Authenticity.REFUSED, "kassa-v2", "cancelled ticket")

    assert await authenticity_of(claim, {"kassa": Sure()}, NOW) == Verdict(
        Authenticity.REFUSED, "kassa-v2", "cancelled ticket"
    )
    assert seen == [(claim, NOW)]


async def test_a_refused_external_ticket_and_the_claim_its_checker_saw(market: Market) -> None:
    seller = await market.person()
    claims: list[TicketClaim] = []

    class Kassa:
        issuer = "kassa"

        async def check(self, claim: TicketClaim, now: datetime) -> Verdict:
            claims.append(claim)
            return Verdict(Authenticity.REFUSED, "kassa", "already scanned")

    market.checkers["kassa"] = Kassa()
    details = market.details()
    assert await refusal(
        market.list(seller, "k-77 1", Money(100, RUB), issuer="Kassa", details=details)
    ) == ("ValidationFailed", "the ticket was refused: already scanned", "barcode")
    assert claims == [
        TicketClaim("kassa", "K771", seller.id, details.event_name, details.starts_at)
    ]


async def test_an_admin_sets_a_fee_and_keeps_the_cap(market: Market) -> None:
    organiser, someone, admin = await market.person(), await market.person(), await market.person()
    async with market.new_uow() as uow:
        stored = await uow.accounts.get(admin.id)
        stored.roles = stored.roles | {Role.PLATFORM_ADMIN}
        await uow.accounts.save(stored)
        await uow.commit()
    assert await refusal(
        resale.set_fee(organiser.id, 100, actor=someone.id, uow=market.new_uow())
    ) == ("PermissionDenied", "only a platform admin may set resale fees", None)
    assert await refusal(
        resale.set_fee(UUID(int=99), 100, actor=admin.id, uow=market.new_uow())
    ) == ("NotFound", "account not found", None)
    await resale.set_price_cap(organiser.id, 150, uow=market.new_uow())
    rules = await resale.set_fee(organiser.id, 250, actor=admin.id, uow=market.new_uow())
    assert rules == ResaleRules(organiser.id, 150, 250)
    assert await resale.rules_of(organiser.id, uow=market.new_uow()) == rules
    capped = await resale.set_price_cap(organiser.id, 120, uow=market.new_uow())
    assert capped == ResaleRules(organiser.id, 120, 250)
    assert await resale.rules_of(UUID(int=7), uow=market.new_uow()) == ResaleRules(UUID(int=7))


async def test_the_sale_and_its_unwinding_are_told_with_their_facts(
    market: Market, relay: Relay
) -> None:
    seller, buyer = await market.person(), await market.person()
    event, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(10_000, RUB))
    _, payment = await market.buy(listing, buyer)
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    await cancel_event(
        CancelEvent(event.id, event.host_id, "storm"), uow=market.new_uow(), clock=market.clock
    )
    await relay.drain()
    told = {
        (n.recipient_id, n.template): (n.dedupe_key, n.data)
        for n in market.store.table("notifications").values()
        if n.template.startswith("resale_")
    }
    name = event.details.title
    assert told == {
        (seller.id, "resale_sold"): (
            f"resale.listing_sold:{listing.id}:seller",
            {"event_name": name, "price": "100.00 RUB", "proceeds": "95.00 RUB"},
        ),
        (buyer.id, "resale_bought"): (
            f"resale.listing_sold:{listing.id}:buyer",
            {"event_name": name, "price": "100.00 RUB"},
        ),
        (seller.id, "resale_unwound_seller"): (
            f"resale.sale_unwound:{listing.id}:seller",
            {"event_name": name, "price": "100.00 RUB"},
        ),
        (buyer.id, "resale_unwound_buyer"): (
            f"resale.sale_unwound:{listing.id}:buyer",
            {"event_name": name, "price": "100.00 RUB"},
        ),
    }


async def test_a_buyer_sees_the_barcode_only_while_they_hold_the_ticket(
    market: Market, relay: Relay
) -> None:
    seller, buyer, third = await market.person(), await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    purchase, payment = await market.buy(listing, buyer)
    pending = await resale.purchase_for(purchase.id, viewer=buyer.id, uow=market.new_uow())
    assert (pending.purchase.id, pending.listing.id, pending.ticket_id, pending.barcode) == (
        purchase.id,
        listing.id,
        None,
        None,
    )
    await news(market.provider, payment, market.new_uow, market.clock)
    await relay.drain()
    bought = await resale.purchase_for(purchase.id, viewer=buyer.id, uow=market.new_uow())
    assert bought.barcode is not None
    assert (bought.purchase.id, bought.listing.id) == (purchase.id, listing.id)
    again = await market.list(buyer, bought.barcode, Money(150, RUB))  # sold on
    _, paid = await market.buy(again, third)
    await news(market.provider, paid, market.new_uow, market.clock)
    await relay.drain()
    resold = await resale.purchase_for(purchase.id, viewer=buyer.id, uow=market.new_uow())
    assert (resold.ticket_id, resold.barcode) == (bought.ticket_id, None)  # revoked now
    assert resold.listing.id == listing.id


def test_model_refusals_word_for_word() -> None:
    from tests.unit.core.resale.test_model import BUYER, OTHER, listing, purchase

    held = listing()
    with pytest.raises(DomainError) as caught:
        held.sell(purchase(held), None, NOW)
    assert caught.value.detail == "this listing is not held for this purchase"
    taken = listing(status=ListingStatus.SOLD)
    with pytest.raises(DomainError) as caught:
        taken.take_for(purchase(taken), NOW)
    assert caught.value.detail == "this listing is no longer free for this purchase"
    unsold = listing("kassa", buyer_id=BUYER)
    with pytest.raises(DomainError) as caught:
        unsold.dispute(BUYER, NOW)
    assert caught.value.detail == "there is no money held on this sale to dispute"
    with pytest.raises(DomainError) as caught:
        purchase(listing()).ensure_owned_by(OTHER)
    assert caught.value.detail == "purchase not found"


def test_the_fee_rounds_at_exactly_half_a_minor_unit() -> None:
    rules = ResaleRules(UUID(int=1), fee_bp=1)
    assert rules.fee(Money(4_999, RUB)) == Money(0, RUB)  # 0.4999 of a minor unit
    assert rules.fee(Money(5_000, RUB)) == Money(1, RUB)  # 0.5


async def test_the_seller_keeps_seeing_a_closed_listing_with_the_type_they_chose(
    market: Market,
) -> None:
    seller = await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(
        seller, booking.tickets[0].barcode, Money(100, RUB), event_type=EventType.COMEDY
    )
    assert listing.details.event_type is EventType.COMEDY
    closed = await resale.mark_listing_expired(
        listing.id, actor=seller.id, uow=market.new_uow(), clock=market.clock
    )
    assert closed.updated_at >= listing.created_at
    seen = await resale.listing_for(listing.id, viewer=seller.id, uow=market.new_uow())
    assert (seen.id, seen.created_at) == (listing.id, listing.created_at)


async def test_a_free_events_ticket_cannot_be_sold_under_a_cap(market: Market) -> None:
    seller = await market.person()
    hosted, booking = await market.ticket(seller)  # a free event
    await resale.set_price_cap(hosted.host_id, 1000, uow=market.new_uow())
    assert await refusal(market.list(seller, booking.tickets[0].barcode, Money(1, RUB))) == (
        "ValidationFailed",
        "the organiser caps resale at 0.00 RUB for this ticket",
        "price",
    )
