"""Listing tickets: verified sellers, authenticity, organiser rules, one live listing per
barcode, withdrawal and marking outdated, the feed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.unit.core.resale.conftest import Market

from adapters.memory.perks import grant_perk
from adapters.memory.store import MemoryStore
from core.resale import services as resale
from core.resale.model import EventType, ListingStatus
from core.resale.ports import FeedFilter
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.money import Money
from core.shared.paging import PageRequest
from core.shared.perks import Perk
from core.tickets.authenticity import Authenticity, TicketClaim, Verdict

RUB = "RUB"


async def test_a_verified_seller_lists_a_stagedoor_ticket_with_the_events_facts(
    market: Market,
) -> None:
    seller = await market.person()
    event, booking = await market.ticket(seller, city="Kazan", address="Kremlin 1")
    listing = await market.list(seller, booking.tickets[0].barcode, Money(90_000, RUB))
    assert listing.authenticity is Authenticity.GENUINE
    assert listing.details.event_name == event.details.title
    assert (listing.details.city, listing.details.place) == ("Kazan", "Kremlin 1")
    assert listing.details.starts_at == event.starts_at
    assert listing.ticket_id == booking.tickets[0].id
    assert listing.event_id == event.id
    assert listing.fee == Money(4_500, RUB)  # the default 5 %
    assert listing.proceeds == Money(85_500, RUB)
    async with market.new_uow() as uow:
        assert (await uow.tickets.get(booking.tickets[0].id)).on_sale


async def test_an_unverified_account_cannot_list(market: Market) -> None:
    seller = await market.person(verified=False)
    _, booking = await market.ticket(seller)
    with pytest.raises(PermissionDenied, match="verify your phone"):
        await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))


async def test_a_ticket_the_seller_does_not_hold_is_refused_on_its_barcode(
    market: Market,
) -> None:
    seller, other = await market.person(), await market.person()
    _, booking = await market.ticket(other)
    with pytest.raises(ValidationFailed, match="held by someone else") as refused:
        await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    assert refused.value.field == "barcode"
    with pytest.raises(ValidationFailed, match="no Stagedoor ticket"):
        await market.list(seller, "ZZZZZZZZZZZZZZZZ", Money(100, RUB))


async def test_one_barcode_is_on_sale_once(market: Market) -> None:
    seller = await market.person()
    _, booking = await market.ticket(seller)
    await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    with pytest.raises(Conflict, match="already listed"):
        await market.list(seller, booking.tickets[0].barcode, Money(200, RUB))
    outside = market.details()
    await market.list(seller, "EXT-1", Money(100, RUB), issuer="kassa", details=outside)
    with pytest.raises(Conflict, match="already on sale"):
        await market.list(seller, "ext1", Money(100, RUB), issuer="kassa", details=outside)


async def test_external_tickets_without_a_checker_are_unverified_never_genuine(
    market: Market,
) -> None:
    seller = await market.person()
    listing = await market.list(
        seller, "ABC-123", Money(5_000, RUB), issuer="Kassa", details=market.details()
    )
    assert listing.authenticity is Authenticity.UNVERIFIED
    assert (listing.issuer, listing.barcode, listing.ticket_id) == ("kassa", "ABC123", None)

    class Broken:
        issuer = "broken"

        async def check(self, claim: TicketClaim, now: datetime) -> Verdict:
            raise RuntimeError("partner down")

    class Sure:
        issuer = "sure"

        async def check(self, claim: TicketClaim, now: datetime) -> Verdict:
            assert claim.event_name == "Night at the Opera"
            return Verdict(Authenticity.GENUINE, "sure-checker")

    market.checkers.update(broken=Broken(), sure=Sure())
    details = market.details()
    broken = await market.list(seller, "B1", Money(1, RUB), issuer="broken", details=details)
    assert broken.authenticity is Authenticity.UNVERIFIED
    sure = await market.list(seller, "S1", Money(1, RUB), issuer="sure", details=market.details())
    assert sure.authenticity is Authenticity.GENUINE
    assert sure.checker == "sure-checker"


async def test_external_listings_need_their_event_in_the_future(market: Market) -> None:
    seller = await market.person()
    with pytest.raises(ValidationFailed) as missing:
        await market.list(seller, "X1", Money(1, RUB), issuer="kassa")
    assert missing.value.field == "event_name"
    past = market.details(starts_at=datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationFailed, match="in the future"):
        await market.list(seller, "X1", Money(1, RUB), issuer="kassa", details=past)
    blank = market.details(city="  ")
    with pytest.raises(ValidationFailed) as no_city:
        await market.list(seller, "X1", Money(1, RUB), issuer="kassa", details=blank)
    assert no_city.value.field == "city"
    with pytest.raises(ValidationFailed) as bad_issuer:
        await market.list(seller, "X1", Money(1, RUB), issuer="a b", details=market.details())
    assert bad_issuer.value.field == "issuer"
    with pytest.raises(ValidationFailed) as free:
        await market.list(seller, "X1", Money(0, RUB), issuer="kassa", details=market.details())
    assert free.value.field == "price"


async def test_the_organisers_cap_and_fee_apply_and_the_perk_waives_the_fee(
    market: Market, store: MemoryStore
) -> None:
    seller = await market.person()
    event, booking = await market.ticket(seller, price=Money(100_000, RUB))
    await resale.set_price_cap(event.host_id, 120, uow=market.new_uow())
    with pytest.raises(ValidationFailed, match="caps resale at"):
        await market.list(seller, booking.tickets[0].barcode, Money(120_001, RUB))
    at_cap = await market.list(seller, booking.tickets[0].barcode, Money(120_000, RUB))
    assert at_cap.fee == Money(6_000, RUB)
    _, second = await market.ticket(seller)
    grant_perk(store, seller.id, Perk.NO_RESALE_FEE, market.clock.current.replace(year=2100))
    free_of_fee = await market.list(seller, second.tickets[0].barcode, Money(50_000, RUB))
    assert free_of_fee.fee == Money(0, RUB)


async def test_only_a_platform_admin_sets_an_organisers_fee(market: Market) -> None:
    organiser, someone = await market.person(), await market.person()
    with pytest.raises(PermissionDenied):
        await resale.set_fee(organiser.id, 100, actor=someone.id, uow=market.new_uow())
    with pytest.raises(ValidationFailed):
        await resale.set_price_cap(organiser.id, 99, uow=market.new_uow())
    rules = await resale.set_price_cap(organiser.id, None, uow=market.new_uow())
    assert rules.fee_bp == 500


async def test_the_seller_withdraws_or_marks_expired_and_nobody_else_can(market: Market) -> None:
    seller, other = await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    listing = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    with pytest.raises(PermissionDenied):
        await resale.withdraw_listing(
            listing.id, actor=other.id, uow=market.new_uow(), clock=market.clock
        )
    done = await resale.mark_listing_expired(
        listing.id, actor=seller.id, uow=market.new_uow(), clock=market.clock
    )
    assert done.status is ListingStatus.EXPIRED
    async with market.new_uow() as uow:
        assert not (await uow.tickets.get(booking.tickets[0].id)).on_sale
    with pytest.raises(NotFound):
        await resale.listing_for(listing.id, viewer=other.id, uow=market.new_uow())
    again = await market.list(seller, booking.tickets[0].barcode, Money(100, RUB))
    gone = await resale.withdraw_listing(
        again.id, actor=seller.id, uow=market.new_uow(), clock=market.clock
    )
    assert gone.status is ListingStatus.WITHDRAWN


async def test_the_feed_is_newest_first_filtered_and_paged(market: Market) -> None:
    seller = await market.person()
    made = []
    for n, (kind, city) in enumerate(
        [(EventType.CONCERT, "Moscow"), (EventType.SPORT, "Kazan"), (EventType.CONCERT, "Kazan")]
    ):
        details = market.details(event_type=kind, city=city, event_name=f"Show {n} Jazz")
        made.append(
            await market.list(seller, f"F{n}", Money(100, RUB), issuer="k", details=details)
        )

    async def page(query: FeedFilter, request: PageRequest):
        return await resale.feed(query, request, uow=market.new_uow(), clock=market.clock)

    everything = await page(FeedFilter(), PageRequest())
    assert [i.id for i in everything.items] == [m.id for m in reversed(made)]
    first = await page(FeedFilter(), PageRequest(limit=2))
    rest = await page(FeedFilter(), PageRequest(first.next_cursor, 2))
    assert [i.id for i in [*first.items, *rest.items]] == [m.id for m in reversed(made)]
    assert rest.next_cursor is None

    async def ids(query: FeedFilter) -> list:
        return [i.id for i in (await page(query, PageRequest())).items]

    assert await ids(FeedFilter(event_type=EventType.CONCERT)) == [made[2].id, made[0].id]
    assert await ids(FeedFilter(city="kazan")) == [made[2].id, made[1].id]
    assert await ids(FeedFilter(text="show 1")) == [made[1].id]
    assert await ids(FeedFilter(text="JAZZ", city="Moscow")) == [made[0].id]


async def test_nobody_sees_a_listed_barcode_the_seller_only_its_last_four(
    market: Market,
) -> None:
    seller, other = await market.person(), await market.person()
    _, booking = await market.ticket(seller)
    barcode = booking.tickets[0].barcode
    listing = await market.list(seller, barcode, Money(100, RUB))
    for viewer in (seller.id, other.id, None):
        assert listing.barcode_for(viewer) is None
    assert listing.barcode_hint(seller.id) == "…" + barcode[-4:]
    assert listing.barcode_hint(other.id) is None
    assert listing.barcode_hint(None) is None
