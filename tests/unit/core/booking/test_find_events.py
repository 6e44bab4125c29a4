"""Finding events: upcoming public events, filtered, in start order, paged by keyset cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.support import NewUow, PublishHelper, RegisterAccount

from adapters.memory import MemoryStore, MemoryUnitOfWork, SteppingClock
from core.booking.commands import CancelEvent
from core.booking.model import Event, EventDetails, EventFilter, Visibility
from core.booking.services import cancel_event, find_events
from core.identity.model import AccountId
from core.shared.errors import ValidationFailed
from core.shared.ids import uuid7
from core.shared.paging import Cursor, Page, PageRequest


async def find(
    uow: NewUow,
    clock: SteppingClock,
    query: EventFilter | None = None,
    page: PageRequest | None = None,
) -> Page[Event]:
    return await find_events(query or EventFilter(), page or PageRequest(), uow=uow(), clock=clock)


async def read_all(
    uow: NewUow, clock: SteppingClock, query: EventFilter, limit: int
) -> list[Event]:
    seen: list[Event] = []
    page = PageRequest(limit=limit)
    for _ in range(1000):
        result = await find(uow, clock, query, page)
        assert len(result.items) <= limit
        seen.extend(result.items)
        if result.next_cursor is None:
            return seen
        page = PageRequest(Cursor.decode(result.next_cursor.encode()), limit)
    raise AssertionError("paging never ended")


async def test_events_come_in_start_order(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    at: Callable[..., datetime],
) -> None:
    host = await register_account()
    later = await publish(host, starts_at=at(days=3))
    sooner = await publish(host, starts_at=at(days=1))
    latest = await publish(host, starts_at=at(days=9))
    assert [e.id for e in (await find(new_uow, clock)).items] == [sooner.id, later.id, latest.id]


async def test_events_that_started_are_not_listed_by_default(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    at: Callable[..., datetime],
) -> None:
    host = await register_account()
    await publish(host, starts_at=at(days=1))
    upcoming = await publish(host, starts_at=at(days=3))
    clock.advance(timedelta(days=2))
    assert [e.id for e in (await find(new_uow, clock)).items] == [upcoming.id]


async def test_cancelled_events_are_not_listed(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host = await register_account()
    gone, kept = await publish(host), await publish(host)
    await cancel_event(CancelEvent(gone.id, host.id), uow=new_uow(), clock=clock)
    assert [e.id for e in (await find(new_uow, clock)).items] == [kept.id]


async def test_city_filter_ignores_case(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host = await register_account()
    kazan = await publish(host, city="Kazan")
    await publish(host, city="Moscow")
    page = await find(new_uow, clock, EventFilter(city="KAZAN"))
    assert [e.id for e in page.items] == [kazan.id]


async def test_text_filter_searches_title_and_description_ignoring_case(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host = await register_account()
    in_title = await publish(host, title="Jazz night", description="")
    in_text = await publish(host, title="Evening", description="Live JAZZ quartet")
    await publish(host, title="Poetry", description="Readings")
    page = await find(new_uow, clock, EventFilter(text="jazz"))
    assert {e.id for e in page.items} == {in_title.id, in_text.id}


async def test_date_filter_includes_from_and_excludes_to(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    at: Callable[..., datetime],
) -> None:
    host = await register_account()
    day1, day2, day3 = at(days=1), at(days=2), at(days=3)
    await publish(host, starts_at=day1)
    second = await publish(host, starts_at=day2)
    await publish(host, starts_at=day3)
    page = await find(new_uow, clock, EventFilter(starts_from=day2, starts_to=day3))
    assert [e.id for e in page.items] == [second.id]


async def test_filters_combine(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    at: Callable[..., datetime],
) -> None:
    host = await register_account()
    wanted = await publish(host, city="Kazan", title="Jazz", starts_at=at(days=2))
    await publish(host, city="Kazan", title="Jazz", starts_at=at(days=20))
    await publish(host, city="Moscow", title="Jazz", starts_at=at(days=2))
    await publish(host, city="Kazan", title="Rock", starts_at=at(days=2))
    query = EventFilter(city="kazan", text="JAZZ", starts_to=at(days=10))
    assert [e.id for e in (await find(new_uow, clock, query)).items] == [wanted.id]


async def test_paging_walks_every_event_once_then_stops(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    at: Callable[..., datetime],
) -> None:
    host = await register_account()
    same_start = at(days=2)
    made = [await publish(host, starts_at=same_start) for _ in range(3)]
    made += [await publish(host, starts_at=at(days=d)) for d in (5, 1, 3)]
    first = await find(new_uow, clock, page=PageRequest(limit=4))
    assert len(first.items) == 4
    assert first.next_cursor is not None
    seen = await read_all(new_uow, clock, EventFilter(), 4)
    assert sorted(e.id for e in seen) == sorted(e.id for e in made)
    assert [(e.starts_at, e.id) for e in seen] == sorted((e.starts_at, e.id) for e in seen)


async def test_last_page_has_no_cursor(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host = await register_account()
    await publish(host)
    await publish(host)
    assert (await find(new_uow, clock, page=PageRequest(limit=2))).next_cursor is None
    assert (await find(new_uow, clock, page=PageRequest(limit=1))).next_cursor is not None


def make_event(host: AccountId, starts_at: datetime, now: datetime) -> Event:
    details = EventDetails("Gig", "", starts_at, starts_at + timedelta(hours=1), "Oslo", "")
    return Event.publish(host, details, 10, Visibility.PUBLIC, None, now)


async def seed(starts: list[datetime], clock: SteppingClock) -> tuple[MemoryStore, list[Event]]:
    store = MemoryStore()
    host = AccountId(uuid7(clock.current))
    uow = MemoryUnitOfWork(store)
    made = []
    async with uow:
        for starts_at in starts:
            event = make_event(host, starts_at, clock.now())
            await uow.events.add(event)
            made.append(event)
        await uow.commit()
    return store, made


@settings(max_examples=60, deadline=None)
@given(
    hours=st.lists(st.integers(min_value=1, max_value=6), max_size=15),
    limit=st.integers(min_value=1, max_value=6),
)
async def test_keyset_paging_never_skips_or_repeats_an_event(hours: list[int], limit: int) -> None:
    clock = SteppingClock()
    store, made = await seed([clock.current + timedelta(hours=h) for h in hours], clock)
    seen = await read_all(lambda: MemoryUnitOfWork(store), clock, EventFilter(), limit)
    assert [e.id for e in seen] == [e.id for e in sorted(made, key=lambda e: (e.starts_at, e.id))]


async def test_paging_compares_instants_when_start_offsets_differ() -> None:
    clock = SteppingClock()
    moscow = timezone(timedelta(hours=3))
    early_in_moscow = (clock.current + timedelta(days=1, hours=7)).astimezone(moscow)  # 10:00+03
    later_in_utc = clock.current + timedelta(days=1, hours=8)
    store, made = await seed([early_in_moscow, later_in_utc], clock)
    seen = await read_all(lambda: MemoryUnitOfWork(store), clock, EventFilter(), 1)
    assert [e.id for e in seen] == [made[0].id, made[1].id]


@pytest.mark.parametrize("key", [(), ("2030-01-01T00:00:00+00:00",), ("yesterday", "x")])
async def test_search_with_a_forged_cursor_is_validation_failed(
    key: tuple[str, ...],
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    await publish(await register_account())
    with pytest.raises(ValidationFailed):
        await find(new_uow, clock, page=PageRequest(Cursor(key)))
