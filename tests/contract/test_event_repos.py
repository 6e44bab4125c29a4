"""Events: storage round-trips, locking reads, the capacity guard and the public search."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from tests.contract.support import Make, NewUow, unique_tag

from adapters.memory import SteppingClock
from core.booking.model import (
    Event,
    EventChanges,
    EventFilter,
    EventId,
    EventStatus,
    Visibility,
)
from core.identity.model import Account
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.paging import Page, PageRequest

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")


async def load(new_uow: NewUow, event: Event) -> Event:
    async with new_uow() as uow:
        return await uow.events.get(event.id)


async def save_booked(new_uow: NewUow, event: Event, booked: int) -> None:
    """Overwrite `booked` behind the model's back: only the repository guards it here."""
    async with new_uow() as uow:
        stored = await uow.events.get_for_update(event.id)
        stored.booked = booked
        await uow.events.save(stored)
        await uow.commit()


async def search(new_uow: NewUow, query: EventFilter, limit: int = 100) -> Page[Event]:
    async with new_uow() as uow:
        return await uow.events.search(query, PageRequest(limit=limit))


# --- storage --------------------------------------------------------------------------------


async def test_event_round_trips_every_field(new_uow: NewUow, make: Make) -> None:
    host = await make.account()
    starts_at = make.later(days=10).astimezone(VLADIVOSTOK).replace(microsecond=250000)
    event = await make.event(
        host,
        capacity=120,
        visibility=Visibility.PRIVATE,
        price=Money(150_000, "RUB"),
        title="Квартирник «Весна»",
        description="Акустика и чай; 100% живой звук",
        city="Владивосток",
        address="Светланская ул., 1",
        time_zone="Asia/Vladivostok",
        starts_at=starts_at,
    )

    loaded = await load(new_uow, event)

    assert loaded == event
    assert loaded.price == Money(150_000, "RUB")
    assert loaded.visibility is Visibility.PRIVATE
    assert loaded.status is EventStatus.SCHEDULED
    assert loaded.details.time_zone == "Asia/Vladivostok"
    assert loaded.details.starts_at == starts_at
    assert loaded.details.title == "Квартирник «Весна»"
    assert loaded.booked == 0


async def test_free_event_round_trips_without_a_price(new_uow: NewUow, make: Make) -> None:
    host = await make.account()
    event = await make.event(host, price=None, description="")

    loaded = await load(new_uow, event)

    assert loaded == event
    assert loaded.price is None
    assert loaded.details.description == ""
    assert loaded.visibility is Visibility.PUBLIC


async def test_get_of_a_missing_event_raises_not_found(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.events.get(EventId(uuid7(clock.now())))
        with pytest.raises(NotFound):
            await uow.events.get_for_update(EventId(uuid7(clock.now())))


async def test_saving_an_event_stores_edits_booked_and_status(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    event = await make.event(host, capacity=10)
    async with new_uow() as uow:
        stored = await uow.events.get_for_update(event.id)
        assert stored == event
        stored.edit(
            host.id,
            EventChanges(title="Новое имя", capacity=12, visibility=Visibility.PRIVATE),
            clock.now(),
        )
        stored.booked = 5
        await uow.events.save(stored)
        await uow.commit()

    edited = await load(new_uow, event)
    assert edited.details.title == "Новое имя"
    assert edited.capacity == 12
    assert edited.booked == 5
    assert edited.visibility is Visibility.PRIVATE
    assert edited.updated_at > event.updated_at

    async with new_uow() as uow:
        stored = await uow.events.get_for_update(event.id)
        stored.cancel(host.id, "rain", (), clock.now())
        await uow.events.save(stored)
        await uow.commit()

    cancelled = await load(new_uow, event)
    assert cancelled.status is EventStatus.CANCELLED
    assert cancelled.booked == 0
    assert cancelled == stored


@pytest.mark.parametrize("booked", [11, -1])
async def test_saving_booked_outside_zero_to_capacity_is_a_conflict(
    new_uow: NewUow, make: Make, booked: int
) -> None:
    host = await make.account()
    event = await make.event(host, capacity=10)

    with pytest.raises(Conflict):
        await save_booked(new_uow, event, booked)

    assert (await load(new_uow, event)).booked == 0


async def test_saving_booked_equal_to_capacity_is_allowed(new_uow: NewUow, make: Make) -> None:
    host = await make.account()
    event = await make.event(host, capacity=3)
    await save_booked(new_uow, event, 3)

    assert (await load(new_uow, event)).booked == 3


# --- taking seats ---------------------------------------------------------------------------


async def take(new_uow: NewUow, event: Event, seats: int, now: datetime) -> bool:
    async with new_uow() as uow:
        taken = await uow.events.take_seats(event.id, seats, now)
        await uow.commit()
    return taken


async def test_take_seats_adds_to_booked_up_to_the_capacity(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    event = await make.event(await make.account(), capacity=5)

    assert await take(new_uow, event, 3, clock.now()) is True
    assert await take(new_uow, event, 3, clock.now()) is False
    assert await take(new_uow, event, 2, clock.now()) is True
    assert await take(new_uow, event, 1, clock.now()) is False

    assert (await load(new_uow, event)).booked == 5


async def test_take_seats_refuses_a_cancelled_or_started_event(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    started = await make.event(host, capacity=5)
    cancelled = await make.event(host, capacity=5)
    async with new_uow() as uow:
        stored = await uow.events.get_for_update(cancelled.id)
        stored.cancel(host.id, "", (), clock.now())
        await uow.events.save(stored)
        await uow.commit()

    assert await take(new_uow, started, 1, started.starts_at) is False
    assert await take(new_uow, cancelled, 1, clock.now()) is False
    assert (await load(new_uow, started)).booked == 0
    assert (await load(new_uow, cancelled)).booked == 0


async def test_taken_seats_are_given_back_on_rollback(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    event = await make.event(await make.account(), capacity=2)
    async with new_uow() as uow:
        assert await uow.events.take_seats(event.id, 2, clock.now()) is True  # no commit

    assert (await load(new_uow, event)).booked == 0


# --- search ---------------------------------------------------------------------------------


async def test_search_returns_only_public_scheduled_events(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host = await make.account()
    city = f"Kazan {unique_tag()}"
    public = await make.event(host, city=city)
    await make.event(host, city=city, visibility=Visibility.PRIVATE)
    called_off = await make.event(host, city=city)
    async with new_uow() as uow:
        stored = await uow.events.get_for_update(called_off.id)
        stored.cancel(host.id, "", (), clock.now())
        await uow.events.save(stored)
        await uow.commit()

    found = await search(new_uow, EventFilter(city=city))

    assert [e.id for e in found.items] == [public.id]
    assert found.items[0] == public
    assert found.next_cursor is None


@pytest.mark.parametrize(
    ("stored", "asked"),
    [("Москва", "москва"), ("Москва", "москва".upper()), ("Saint Petersburg", "saint PETERSBURG")],
)
async def test_search_matches_city_case_insensitively(
    new_uow: NewUow, make: Make, stored: str, asked: str
) -> None:
    host = await make.account()
    tag = unique_tag()
    event = await make.event(host, city=f"{stored} {tag}")
    await make.event(host, city=f"{stored} {tag}-suburb")

    found = await search(new_uow, EventFilter(city=f"{asked} {tag.upper()}"))

    assert [e.id for e in found.items] == [event.id]


async def test_search_treats_starts_from_as_inclusive_and_starts_to_as_exclusive(
    new_uow: NewUow, make: Make
) -> None:
    host = await make.account()
    city = f"Sochi {unique_tag()}"
    base = make.later(days=20).replace(microsecond=0)
    events = [
        await make.event(host, city=city, starts_at=base + timedelta(hours=hours))
        for hours in range(4)
    ]

    found = await search(
        new_uow,
        EventFilter(
            city=city, starts_from=base + timedelta(hours=1), starts_to=base + timedelta(hours=3)
        ),
    )

    assert [e.id for e in found.items] == [events[1].id, events[2].id]


async def test_search_compares_instants_whatever_their_offsets(new_uow: NewUow, make: Make) -> None:
    host = await make.account()
    city = f"Omsk {unique_tag()}"
    base = make.later(days=21).replace(microsecond=0)
    at_base = await make.event(host, city=city, starts_at=base.astimezone(VLADIVOSTOK))
    an_hour_later = await make.event(host, city=city, starts_at=base + timedelta(hours=1))

    # Written at +10:00, the bound reads later than the UTC start it precedes.
    found = await search(
        new_uow,
        EventFilter(city=city, starts_from=base.astimezone(VLADIVOSTOK) + timedelta(minutes=1)),
    )
    everything = await search(new_uow, EventFilter(city=city, starts_to=base + timedelta(hours=1)))

    assert [e.id for e in found.items] == [an_hour_later.id]
    assert [e.id for e in everything.items] == [at_base.id]


@pytest.mark.parametrize(
    ("title", "description", "asked"),
    [
        ("Вечер ДЖАЗА", "", "джаза"),
        ("Poetry", "Стихи и Музыка до утра", "МУЗЫКА"),
        ("JAZZ night", "", "Jazz"),
        ("Talk", "about rust and Python", "PYTHON"),
    ],
)
async def test_search_matches_text_in_title_or_description_case_insensitively(
    new_uow: NewUow, make: Make, title: str, description: str, asked: str
) -> None:
    host = await make.account()
    city = f"Tver {unique_tag()}"
    event = await make.event(host, city=city, title=title, description=description)
    await make.event(host, city=city, title="Something else", description="nothing here")

    found = await search(new_uow, EventFilter(city=city, text=asked))

    assert [e.id for e in found.items] == [event.id]


async def test_search_by_text_alone_looks_at_every_city(new_uow: NewUow, make: Make) -> None:
    host = await make.account()
    tag = unique_tag()
    there = await make.event(host, title=f"Лекция {tag}")
    here = await make.event(host, title="Talk", description=f"About {tag.upper()}")
    await make.event(host, title=f"Лекция {tag}", visibility=Visibility.PRIVATE)

    found = await search(new_uow, EventFilter(text=tag))

    assert sorted(e.id for e in found.items) == sorted([there.id, here.id])


@pytest.mark.parametrize(
    ("literal", "lookalike", "asked"),
    [
        ("100% jazz", "1000 jazz", "100%"),
        ("snake_case talk", "snakeXcase talk", "snake_case"),
        ("back\\slash", "backslash", "k\\s"),
    ],
)
async def test_search_treats_like_wildcards_in_the_text_literally(
    new_uow: NewUow, make: Make, literal: str, lookalike: str, asked: str
) -> None:
    host = await make.account()
    city = f"Perm {unique_tag()}"
    event = await make.event(host, city=city, title=literal)
    await make.event(host, city=city, title=lookalike)

    found = await search(new_uow, EventFilter(city=city, text=asked))

    assert [e.id for e in found.items] == [event.id]


async def publish_with_ties(make: Make, host: Account, city: str, count: int) -> list[Event]:
    """`count` events over four start times, so most pages cross a tie on starts_at."""
    base = make.later(days=30).replace(microsecond=0)
    return [
        await make.event(host, city=city, starts_at=base + timedelta(hours=(n * 7) % 4))
        for n in range(count)
    ]


async def read_all_pages(
    new_uow: NewUow, query: EventFilter, limit: int
) -> tuple[list[list[Event]], list[bool]]:
    pages: list[list[Event]] = []
    more: list[bool] = []
    request = PageRequest(limit=limit)
    while True:
        async with new_uow() as uow:
            page = await uow.events.search(query, request)
        pages.append(list(page.items))
        more.append(page.next_cursor is not None)
        if page.next_cursor is None or len(pages) > 50:
            return pages, more
        request = attrs.evolve(request, cursor=page.next_cursor)


@pytest.mark.parametrize(("count", "limit"), [(23, 4), (24, 6)])
async def test_search_pages_by_start_then_id_without_gaps_or_duplicates(
    new_uow: NewUow, make: Make, count: int, limit: int
) -> None:
    host = await make.account()
    city = f"Ufa {unique_tag()}"
    events = await publish_with_ties(make, host, city, count)
    expected = [e.id for e in sorted(events, key=lambda e: (e.starts_at, e.id))]

    pages, more = await read_all_pages(new_uow, EventFilter(city=city), limit)

    seen = [e.id for page in pages for e in page]
    assert seen == expected
    assert len(pages) == -(-count // limit)
    assert [len(page) for page in pages[:-1]] == [limit] * (len(pages) - 1)
    assert more == [True] * (len(pages) - 1) + [False]


async def test_search_cursor_from_a_filtered_page_continues_that_filter(
    new_uow: NewUow, make: Make
) -> None:
    host = await make.account()
    city = f"Orel {unique_tag()}"
    events = await publish_with_ties(make, host, city, 9)
    late = sorted(events, key=lambda e: (e.starts_at, e.id))
    cut: datetime = late[3].starts_at
    wanted = [e.id for e in late if e.starts_at >= cut]

    pages, _ = await read_all_pages(new_uow, EventFilter(city=city, starts_from=cut), 2)

    assert [e.id for page in pages for e in page] == wanted
