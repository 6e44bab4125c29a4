"""The listing's rules one by one, on hand-made listings: holds and their lapse, the sale and
its escrow dates, release, disputes, unwinding, closing by the seller or with the event, who
sees what; organiser rules, prices and the event facts a seller types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.resale.events import ListingSold, SaleUnwound
from core.resale.model import (
    DISPUTE_WINDOW,
    Escrow,
    EventType,
    Listing,
    ListingDetails,
    ListingId,
    ListingStatus,
    Purchase,
    PurchaseId,
    ResaleRules,
    checked_price,
)
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.money import Money
from core.tickets.authenticity import Authenticity

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
SELLER, BUYER, OTHER = UUID(int=1), UUID(int=2), UUID(int=3)
RUB = "RUB"


def details(**overrides: Any) -> ListingDetails:
    fields: dict[str, Any] = {
        "event_name": "Swan Lake",
        "event_type": EventType.THEATRE,
        "starts_at": START,
        "city": "Moscow",
        "place": "Bolshoi",
    }
    fields.update(overrides)
    return ListingDetails(**fields)


def listing(issuer: str = "stagedoor", **overrides: Any) -> Listing:
    fields: dict[str, Any] = {
        "id": ListingId(uuid4()),
        "seller_id": SELLER,
        "issuer": issuer,
        "details": details(),
        "price": Money(10_000, RUB),
        "fee": Money(500, RUB),
        "barcode": "ABCDEFGH23456789",
        "authenticity": Authenticity.GENUINE,
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    return Listing(**fields)


def purchase(item: Listing, buyer: UUID = BUYER) -> Purchase:
    return Purchase(PurchaseId(uuid4()), item.id, buyer, item.price, NOW)


def held(item: Listing, buyer: UUID = BUYER, minutes: int = 15) -> Purchase:
    bought = purchase(item, buyer)
    item.hold_for(bought, NOW + timedelta(minutes=minutes), NOW)
    return bought


def sold(item: Listing, buyer: UUID = BUYER) -> Purchase:
    bought = held(item, buyer)
    item.sell(bought, None, NOW)
    return bought


# -- holding and buying ------------------------------------------------------------------------


def test_a_hold_names_its_purchase_and_runs_until_its_expiry() -> None:
    item = listing()
    bought = held(item)
    assert (item.status, item.purchase_id, item.buyer_id) == (ListingStatus.HELD, bought.id, None)
    assert item.hold_expires_at == NOW + timedelta(minutes=15)
    assert item.updated_at == NOW
    assert not item.held_lapsed(NOW + timedelta(minutes=15) - timedelta(microseconds=1))
    assert item.held_lapsed(NOW + timedelta(minutes=15))
    assert not listing().held_lapsed(NOW + timedelta(days=1))  # not held at all


def test_who_may_buy_and_when() -> None:
    item = listing()
    with pytest.raises(PermissionDenied, match="your own listing"):
        item.ensure_buyable_by(SELLER, NOW)
    item.ensure_buyable_by(BUYER, NOW)
    with pytest.raises(Conflict, match="event has started"):
        item.ensure_buyable_by(BUYER, START)
    held(item)
    with pytest.raises(Conflict, match="someone else is paying"):
        item.ensure_buyable_by(OTHER, NOW)
    item.ensure_buyable_by(OTHER, NOW + timedelta(minutes=15))  # the hold lapsed
    for status in (ListingStatus.SOLD, ListingStatus.WITHDRAWN, ListingStatus.EXPIRED):
        with pytest.raises(Conflict, match=f"is {status.value}"):
            listing(status=status).ensure_buyable_by(BUYER, NOW)


def test_free_means_unheld_and_before_the_start() -> None:
    item = listing()
    assert item.free(NOW)
    assert not item.free(START)
    held(item)
    assert not item.free(NOW)
    assert item.free(NOW + timedelta(minutes=15))
    assert not listing(status=ListingStatus.SOLD).free(NOW)


def test_release_frees_only_the_hold_of_that_purchase() -> None:
    item = listing()
    bought = held(item)
    assert not item.release(PurchaseId(uuid4()), NOW)
    assert item.status is ListingStatus.HELD
    later = NOW + timedelta(minutes=1)
    assert item.release(bought.id, later)
    assert (item.status, item.purchase_id, item.hold_expires_at) == (
        ListingStatus.AVAILABLE,
        None,
        None,
    )
    assert item.updated_at == later
    assert not item.release(bought.id, later)


def test_a_late_payment_takes_the_listing_only_when_free_again() -> None:
    item = listing()
    late = purchase(item)
    item.take_for(late, NOW)
    assert (item.status, item.purchase_id) == (ListingStatus.HELD, late.id)
    item.take_for(late, NOW)  # its own hold: nothing changes
    other = purchase(item, OTHER)
    with pytest.raises(Conflict, match="no longer free"):
        item.take_for(other, NOW)
    item.hold_expires_at = NOW
    item.take_for(other, NOW + timedelta(seconds=1))  # the hold lapsed: the other takes it
    assert item.purchase_id == other.id
    with pytest.raises(Conflict, match="no longer free"):
        listing(status=ListingStatus.SOLD).take_for(purchase(item), NOW)


# -- the sale and its escrow ---------------------------------------------------------------------


def test_a_stagedoor_sale_holds_the_money_until_the_start() -> None:
    item = listing()
    bought = held(item)
    ticket = uuid4()
    later = NOW + timedelta(minutes=3)
    item.sell(bought, ticket, later)
    assert (item.status, item.buyer_id, item.sold_at) == (ListingStatus.SOLD, BUYER, later)
    assert (item.hold_expires_at, item.new_ticket_id, item.updated_at) == (None, ticket, later)
    assert (item.escrow, item.release_after) == (Escrow.HELD, START)
    [event] = item.pull_events()
    assert isinstance(event, ListingSold)
    assert (event.listing_id, event.seller_id, event.buyer_id) == (item.id, SELLER, BUYER)
    assert (event.price, event.proceeds, event.event_name) == (
        Money(10_000, RUB),
        Money(9_500, RUB),
        "Swan Lake",
    )
    assert event.occurred_at == later


def test_an_external_sale_waits_for_the_dispute_window() -> None:
    item = listing("kassa")
    sold(item)
    assert item.release_after == START + DISPUTE_WINDOW
    assert timedelta(hours=48) == DISPUTE_WINDOW


def test_only_the_purchase_holding_the_listing_can_buy_it() -> None:
    item = listing()
    with pytest.raises(Conflict, match="not held for this purchase"):
        item.sell(purchase(item), None, NOW)
    held(item)
    with pytest.raises(Conflict, match="not held for this purchase"):
        item.sell(purchase(item, OTHER), None, NOW)


def test_escrow_is_released_once_when_due() -> None:
    item = listing()
    sold(item)
    assert not item.escrow_due(START - timedelta(microseconds=1))
    assert not item.release_escrow(START - timedelta(microseconds=1))
    assert item.escrow_due(START)
    assert item.release_escrow(START)
    assert (item.escrow, item.updated_at) == (Escrow.RELEASED, START)
    assert not item.escrow_due(START)
    assert not item.release_escrow(START)
    assert not listing().escrow_due(START)  # nothing held


def test_the_buyer_disputes_an_external_sale_within_its_window_only() -> None:
    item = listing("kassa")
    sold(item)
    for actor in (SELLER, OTHER):
        with pytest.raises(NotFound):
            item.dispute(actor, NOW)
    closes = START + DISPUTE_WINDOW
    with pytest.raises(Conflict, match="window of this sale has closed"):
        item.dispute(BUYER, closes)
    item.dispute(BUYER, closes - timedelta(microseconds=1))
    assert (item.escrow, item.updated_at) == (Escrow.DISPUTED, closes - timedelta(microseconds=1))
    assert not item.escrow_due(closes + timedelta(days=9))
    with pytest.raises(Conflict, match="no money held"):
        item.dispute(BUYER, NOW)
    ours = listing()
    sold(ours)
    with pytest.raises(Conflict, match="reissued to you"):
        ours.dispute(BUYER, NOW)


def test_unwinding_refunds_a_sale_whose_money_is_still_held() -> None:
    for escrow in (Escrow.HELD, Escrow.DISPUTED):
        item = listing()
        sold(item)
        item.pull_events()
        item.escrow = escrow
        later = NOW + timedelta(hours=1)
        assert item.unwind(later)
        assert (item.escrow, item.updated_at, item.status) == (
            Escrow.REFUNDED,
            later,
            ListingStatus.SOLD,
        )
        [event] = item.pull_events()
        assert isinstance(event, SaleUnwound)
        assert (event.listing_id, event.seller_id, event.buyer_id, event.price) == (
            item.id,
            SELLER,
            BUYER,
            Money(10_000, RUB),
        )
        assert event.event_name == "Swan Lake"
        assert not item.unwind(later)  # once


def test_nothing_to_unwind_when_unsold_or_settled() -> None:
    assert not listing().unwind(NOW)
    released = listing()
    sold(released)
    released.release_escrow(START)
    assert not released.unwind(START)
    assert released.escrow is Escrow.RELEASED


# -- closing ---------------------------------------------------------------------------------------


def test_the_seller_closes_an_available_or_lapsed_listing_only() -> None:
    item = listing()
    with pytest.raises(PermissionDenied, match="only the seller"):
        item.withdraw(BUYER, NOW)
    held(item)
    with pytest.raises(Conflict, match="only an available listing"):
        item.mark_expired(SELLER, NOW)
    lapsed = NOW + timedelta(minutes=15)
    item.mark_expired(SELLER, lapsed)
    assert (item.status, item.purchase_id, item.hold_expires_at, item.updated_at) == (
        ListingStatus.EXPIRED,
        None,
        None,
        lapsed,
    )
    other = listing()
    other.withdraw(SELLER, NOW)
    assert other.status is ListingStatus.WITHDRAWN
    with pytest.raises(Conflict):
        other.withdraw(SELLER, NOW)


def test_a_void_ticket_withdraws_its_listing_unless_someone_is_paying() -> None:
    item = listing()
    bought = held(item)
    assert not item.withdraw_for_void_ticket(NOW)
    assert item.purchase_id == bought.id
    later = NOW + timedelta(minutes=20)
    assert item.withdraw_for_void_ticket(later)
    assert (item.status, item.purchase_id, item.hold_expires_at, item.updated_at) == (
        ListingStatus.WITHDRAWN,
        None,
        None,
        later,
    )
    assert not item.withdraw_for_void_ticket(later)


def test_listings_expire_at_the_start_unless_sold_or_paid_for() -> None:
    item = listing()
    assert not item.expire_at_start(START - timedelta(microseconds=1))
    assert item.expire_at_start(START)
    assert (item.status, item.updated_at) == (ListingStatus.EXPIRED, START)
    paying = listing()
    held(paying, minutes=60 * 24 * 7)
    assert not paying.expire_at_start(START)  # the payment may still come
    lapsed = listing()
    held(lapsed)
    assert lapsed.expire_at_start(START)
    assert (lapsed.purchase_id, lapsed.hold_expires_at) == (None, None)
    done = listing()
    sold(done)
    assert not done.expire_at_start(START)


# -- who sees what ---------------------------------------------------------------------------------


def test_on_sale_listings_are_public_others_for_their_seller_and_buyer() -> None:
    item = listing()
    assert item.visible_to(None)
    held(item)
    assert item.visible_to(OTHER)
    sold_item = listing()
    sold(sold_item)
    assert sold_item.visible_to(SELLER)
    assert sold_item.visible_to(BUYER)
    assert not sold_item.visible_to(OTHER)
    assert not sold_item.visible_to(None)
    assert not listing(status=ListingStatus.WITHDRAWN).visible_to(OTHER)


def test_barcodes_go_to_the_buyer_of_an_external_ticket_only() -> None:
    external = listing("kassa")
    assert external.barcode_for(BUYER) is None  # not sold yet
    sold(external)
    assert external.barcode_for(BUYER) == "ABCDEFGH23456789"
    assert external.barcode_for(SELLER) is None
    assert external.barcode_for(None) is None
    ours = listing()
    sold(ours)
    assert ours.barcode_for(BUYER) is None  # reissued instead
    assert ours.barcode_hint(SELLER) == "…6789"
    assert ours.barcode_hint(BUYER) is None
    assert not ours.is_seller(None)
    assert not ours.is_buyer(None)


def test_purchases_are_their_buyers_alone() -> None:
    bought = purchase(listing())
    bought.ensure_owned_by(BUYER)
    with pytest.raises(NotFound, match="purchase not found"):
        bought.ensure_owned_by(SELLER)


# -- rules, prices, facts --------------------------------------------------------------------------


def test_the_fee_rounds_half_up_to_a_minor_unit() -> None:
    rules = ResaleRules(SELLER, fee_bp=500)
    assert rules.fee(Money(10_000, RUB)) == Money(500, RUB)
    assert rules.fee(Money(150_050, RUB)) == Money(7_503, RUB)  # 7502.5 rounds up
    assert rules.fee(Money(150_049, RUB)) == Money(7_502, RUB)  # 7502.45 rounds down
    assert rules.fee(Money(9, RUB)) == Money(0, RUB)
    assert rules.fee(Money(10, RUB)) == Money(1, RUB)  # 0.5 rounds up
    assert ResaleRules(SELLER).fee_bp == 500
    assert listing().proceeds == Money(9_500, RUB)


def test_the_cap_is_a_percentage_of_the_face_value() -> None:
    assert ResaleRules(SELLER, 120).cap(Money(1_000, RUB)) == Money(1_200, RUB)
    assert ResaleRules(SELLER, 115).cap(Money(999, RUB)) == Money(1_148, RUB)  # rounded down
    assert ResaleRules(SELLER).cap(Money(1_000, RUB)) is None
    assert ResaleRules(SELLER, 120).cap(None) is None


def test_rules_stay_within_their_bounds() -> None:
    for cap in (100, 1000, None):
        ResaleRules(SELLER, cap).checked()
    for cap in (99, 1001):
        with pytest.raises(ValidationFailed, match="between 100 and 1000") as caught:
            ResaleRules(SELLER, cap).checked()
        assert caught.value.field == "price_cap_percent"
    for fee in (0, 3000):
        ResaleRules(SELLER, fee_bp=fee).checked()
    for fee in (-1, 3001):
        with pytest.raises(ValidationFailed, match="between 0 and 3000") as caught:
            ResaleRules(SELLER, fee_bp=fee).checked()
        assert caught.value.field == "fee_bp"


def test_prices_are_positive_within_the_cap_and_its_currency() -> None:
    assert checked_price(Money(1, RUB), None) == Money(1, RUB)
    assert checked_price(Money(100_000_000, RUB), None) == Money(100_000_000, RUB)
    for amount in (0, 100_000_001):
        with pytest.raises(ValidationFailed, match="between 1 and 100000000") as caught:
            checked_price(Money(amount, RUB), None)
        assert caught.value.field == "price"
    cap = Money(1_200, RUB)
    assert checked_price(Money(1_200, RUB), cap) == Money(1_200, RUB)
    with pytest.raises(ValidationFailed, match=r"caps resale at 12\.00 RUB"):
        checked_price(Money(1_201, RUB), cap)
    with pytest.raises(ValidationFailed, match="must be in RUB"):
        checked_price(Money(100, "EUR"), cap)


def test_the_event_facts_are_trimmed_bounded_and_ahead() -> None:
    facts = details(event_name="  Swan   Lake ", city=" Moscow", place="Bolshoi\n").checked(NOW)
    assert (facts.event_name, facts.city, facts.place) == ("Swan Lake", "Moscow", "Bolshoi")
    assert facts.event_type is EventType.THEATRE
    assert facts.starts_at == START
    with pytest.raises(ValidationFailed, match="in the future") as caught:
        details(starts_at=NOW).checked(NOW)
    assert caught.value.field == "starts_at"
    with pytest.raises(ValidationFailed):
        details(starts_at=datetime(2030, 3, 1, 19, 0)).checked(NOW)  # naive on purpose
    for name, limit in (("event_name", 200), ("city", 100), ("place", 300)):
        with pytest.raises(ValidationFailed, match="must not be empty") as caught:
            details(**{name: "   "}).checked(NOW)
        assert caught.value.field == name
        details(**{name: "x" * limit}).checked(NOW)
        with pytest.raises(ValidationFailed, match=f"at most {limit} characters") as caught:
            details(**{name: "x" * (limit + 1)}).checked(NOW)
        assert caught.value.field == name
