"""Publishing an event: the details are checked as a whole before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from tests.unit.support import NewUow, PublishHelper, RegisterAccount, only

from adapters.memory import MemoryStore
from core.booking.model import (
    CAPACITY_MAX,
    EventStatus,
    Visibility,
)
from core.booking.services import get_event
from core.shared.errors import ValidationFailed
from core.shared.money import Money
from core.shared.outbox import OutboxMessage


async def test_published_event_is_stored_scheduled_and_empty(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow
) -> None:
    host = await register_account()
    event = await publish(host, capacity=50)
    stored = await get_event(event.id, viewer=None, invite_token=None, uow=new_uow())
    assert stored == event
    assert (stored.status, stored.booked, stored.capacity, stored.seats_left) == (
        EventStatus.SCHEDULED,
        0,
        50,
        50,
    )
    assert stored.host_id == host.id


async def test_publish_records_event_published(
    register_account: RegisterAccount,
    publish: PublishHelper,
    outbox: Callable[[], list[OutboxMessage]],
) -> None:
    host = await register_account()
    event = await publish(host)
    [published] = only(outbox(), "event.published")
    assert (published.live_event_id, published.host_id) == (event.id, host.id)


async def test_publish_trims_text_fields(
    register_account: RegisterAccount, publish: PublishHelper
) -> None:
    host = await register_account()
    event = await publish(host, title="  Jazz  ", city=" Moscow ", description="  ", address="")
    assert (event.details.title, event.details.city) == ("Jazz", "Moscow")
    assert (event.details.description, event.details.address) == ("", "")


async def test_publish_keeps_a_positive_price(
    register_account: RegisterAccount, publish: PublishHelper
) -> None:
    host = await register_account()
    assert (await publish(host, price=Money(150000, "RUB"))).price == Money(150000, "RUB")
    assert (await publish(host)).price is None


async def assert_refused(
    publish: PublishHelper, host: Any, field: str, store: MemoryStore, **kwargs: Any
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await publish(host, **kwargs)
    assert caught.value.field == field
    assert store.table("events") == {}
    assert store.table("outbox") == {}


async def test_naive_start_is_refused(
    register_account: RegisterAccount, publish: PublishHelper, store: MemoryStore
) -> None:
    host = await register_account()
    naive = datetime(2030, 6, 1, 19, 0)
    await assert_refused(
        publish, host, "starts_at", store, starts_at=naive, ends_at=naive.replace(tzinfo=UTC)
    )


async def test_naive_end_is_refused(
    register_account: RegisterAccount,
    publish: PublishHelper,
    store: MemoryStore,
    at: Callable[..., datetime],
) -> None:
    host = await register_account()
    await assert_refused(publish, host, "ends_at", store, ends_at=at(days=8).replace(tzinfo=None))


@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-1)])
async def test_event_must_end_after_it_starts(
    register_account: RegisterAccount,
    publish: PublishHelper,
    store: MemoryStore,
    at: Callable[..., datetime],
    length: timedelta,
) -> None:
    host = await register_account()
    start = at(days=7)
    await assert_refused(publish, host, "ends_at", store, starts_at=start, ends_at=start + length)


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(minutes=-1), timedelta(days=-30)])
async def test_event_cannot_start_now_or_in_the_past(
    register_account: RegisterAccount,
    publish: PublishHelper,
    store: MemoryStore,
    at: Callable[..., datetime],
    offset: timedelta,
) -> None:
    host = await register_account()
    await assert_refused(publish, host, "starts_at", store, starts_at=at() + offset)


async def test_start_in_another_offset_is_compared_as_an_instant(
    register_account: RegisterAccount, publish: PublishHelper, at: Callable[..., datetime]
) -> None:
    host = await register_account()
    moscow = timezone(timedelta(hours=3))
    starts_at = at(hours=1)
    event = await publish(host, starts_at=starts_at.astimezone(moscow))
    assert event.starts_at == starts_at


@pytest.mark.parametrize("capacity", [0, -5, CAPACITY_MAX + 1])
async def test_capacity_must_be_between_1_and_100000(
    register_account: RegisterAccount, publish: PublishHelper, store: MemoryStore, capacity: int
) -> None:
    host = await register_account()
    await assert_refused(publish, host, "capacity", store, capacity=capacity)


@pytest.mark.parametrize("capacity", [1, CAPACITY_MAX])
async def test_capacity_bounds_are_inclusive(
    register_account: RegisterAccount, publish: PublishHelper, capacity: int
) -> None:
    host = await register_account()
    assert (await publish(host, capacity=capacity)).capacity == capacity


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "   "),
        ("title", "x" * 201),
        ("city", ""),
        ("city", "x" * 101),
        ("description", "x" * 5001),
        ("address", "x" * 301),
    ],
)
async def test_text_fields_are_required_or_bounded(
    register_account: RegisterAccount,
    publish: PublishHelper,
    store: MemoryStore,
    field: str,
    value: str,
) -> None:
    host = await register_account()
    await assert_refused(publish, host, field, store, **{field: value})


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "Europe/Nowhere", "../etc/passwd", "UTC+3"])
async def test_unknown_time_zone_is_refused(
    register_account: RegisterAccount, publish: PublishHelper, store: MemoryStore, zone: str
) -> None:
    host = await register_account()
    await assert_refused(publish, host, "time_zone", store, time_zone=zone)


@pytest.mark.parametrize("amount", [0, -100])
async def test_price_must_be_positive(
    register_account: RegisterAccount, publish: PublishHelper, store: MemoryStore, amount: int
) -> None:
    host = await register_account()
    await assert_refused(publish, host, "price", store, price=Money(amount, "RUB"))


async def test_private_event_keeps_its_visibility(
    register_account: RegisterAccount, publish: PublishHelper
) -> None:
    host = await register_account()
    assert (await publish(host, visibility=Visibility.PRIVATE)).visibility is Visibility.PRIVATE
