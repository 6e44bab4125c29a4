"""Availability snapshots and their schema.org JSON-LD."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs
import pytest
from tests.unit.support import NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from core.booking.model import Event, Visibility
from core.identity.model import Account
from core.partners import jsonld
from core.partners.availability import Availability, AvailabilitySnapshot
from core.partners.feed import event_availability, organiser_feed
from core.shared.errors import NotFound
from core.shared.money import Money
from core.shared.paging import PageRequest

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
BASE = "https://stagedoor.test"


def snapshot(**changes: object) -> AvailabilitySnapshot:
    fields: dict[str, object] = {
        "event_id": UUID(int=7),
        "organiser_id": UUID(int=9),
        "title": "Quartet",
        "description": "Strings",
        "starts_at": T0 + timedelta(days=3),
        "ends_at": T0 + timedelta(days=3, hours=2),
        "time_zone": "Europe/Moscow",
        "city": "Moscow",
        "address": "Hall 1",
        "capacity": 100,
        "seats_left": 50,
        "price": Money(150_000, "RUB"),
        "cancelled": False,
        "public": True,
        "taken_at": T0,
    }
    fields.update(changes)
    return AvailabilitySnapshot(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("capacity", "left", "expected"),
    [
        (100, 50, Availability.IN_STOCK),
        (100, 11, Availability.IN_STOCK),
        (100, 10, Availability.LIMITED),  # 10 % of the capacity
        (100, 1, Availability.LIMITED),
        (100, 0, Availability.SOLD_OUT),
        (20, 6, Availability.IN_STOCK),
        (20, 5, Availability.LIMITED),  # small events: five seats or fewer
    ],
)
def test_availability_follows_what_is_left(
    capacity: int, left: int, expected: Availability
) -> None:
    assert snapshot(capacity=capacity, seats_left=left).availability is expected


def test_cancelled_or_started_events_are_not_on_sale() -> None:
    assert snapshot(cancelled=True).availability is Availability.DISCONTINUED
    started = snapshot(taken_at=T0 + timedelta(days=3))
    assert started.availability is Availability.DISCONTINUED
    assert not started.can_buy
    assert snapshot().can_buy
    assert not snapshot(seats_left=0).can_buy


def test_an_event_in_json_ld_says_what_is_left_and_at_what_price() -> None:
    doc = jsonld.document(snapshot(), BASE)

    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "Event"
    assert doc["@id"] == f"{BASE}/events/{UUID(int=7)}"
    assert doc["startDate"] == "2030-01-04T15:00:00+03:00"  # in the event's own time zone
    assert doc["eventStatus"] == "https://schema.org/EventScheduled"
    assert doc["remainingAttendeeCapacity"] == 50
    assert doc["location"]["address"]["addressLocality"] == "Moscow"
    assert doc["offers"] == {
        "@type": "Offer",
        "url": f"{BASE}/events/{UUID(int=7)}",
        "availability": "https://schema.org/InStock",
        "inventoryLevel": {"@type": "QuantitativeValue", "value": 50},
        "price": "1500.00",
        "priceCurrency": "RUB",
    }


def test_free_and_cancelled_events_in_json_ld() -> None:
    free = jsonld.event(snapshot(price=None), BASE)
    assert free["offers"]["price"] == "0"
    assert "priceCurrency" not in free["offers"]
    called_off = jsonld.event(snapshot(cancelled=True, seats_left=0), BASE)
    assert called_off["eventStatus"] == "https://schema.org/EventCancelled"
    assert called_off["offers"]["availability"] == "https://schema.org/Discontinued"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (150_000, "RUB", "1500.00"),
        (5, "EUR", "0.05"),
        (1500, "JPY", "1500"),
        (1234, "KWD", "1.234"),
        (-250, "USD", "-2.50"),
    ],
)
def test_prices_use_each_currency_s_minor_unit(amount: int, currency: str, text: str) -> None:
    assert jsonld.decimal_price(Money(amount, currency)) == text


def test_a_list_numbers_its_items() -> None:
    listing = jsonld.item_list([snapshot(), snapshot(event_id=UUID(int=8))], BASE)
    assert listing["@type"] == "ItemList"
    assert listing["numberOfItems"] == 2
    assert [i["position"] for i in listing["itemListElement"]] == [1, 2]
    assert listing["itemListElement"][1]["item"]["identifier"] == str(UUID(int=8))


async def test_the_feed_lists_upcoming_public_events_of_one_organiser_in_pages(
    organiser: Account,
    publish: PublishHelper,
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    later = await publish(organiser, title="Later", starts_at=clock.current + timedelta(days=9))
    sooner = await publish(organiser, title="Sooner", starts_at=clock.current + timedelta(days=2))
    third = await publish(organiser, title="Third", starts_at=clock.current + timedelta(days=20))
    await publish(organiser, visibility=Visibility.PRIVATE)
    await publish(await register_account(), title="Someone else's")

    first = await organiser_feed(organiser.id, PageRequest(limit=2), uow=new_uow(), clock=clock)
    rest = await organiser_feed(
        organiser.id, PageRequest(first.next_cursor, 2), uow=new_uow(), clock=clock
    )

    assert [s.event_id for s in first.items] == [sooner.id, later.id]
    assert [s.event_id for s in rest.items] == [third.id]
    assert rest.next_cursor is None
    assert first.items[0].seats_left == 10


async def test_the_feed_drops_events_once_they_start(
    organiser: Account, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    await publish(organiser, starts_at=clock.current + timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    page = await organiser_feed(organiser.id, PageRequest(), uow=new_uow(), clock=clock)
    assert page.items == []


async def test_one_event_s_availability_is_public_only(
    organiser: Account, show: Event, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    found = await event_availability(show.id, uow=new_uow(), clock=clock)
    assert attrs.asdict(found)["title"] == "Quartet"
    private = await publish(organiser, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await event_availability(private.id, uow=new_uow(), clock=clock)
