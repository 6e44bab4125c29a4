"""Domain events: recorded on aggregates, collected oldest first, indexed by unique name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.shared.catalogue import EVENT_TYPES, HANDLERS
from core.shared.clock import require_aware
from core.shared.errors import ValidationFailed
from core.shared.events import Aggregate, DomainEvent, event_types, merge_handlers
from core.shared.ids import uuid7
from core.shared.uow import collect_events

T0 = datetime(2030, 1, 1, tzinfo=UTC)


@attrs.frozen(kw_only=True)
class Happened(DomainEvent):
    name = "test.happened"
    label: str = ""


@attrs.frozen(kw_only=True)
class AlsoHappened(DomainEvent):
    name = "test.happened"


@attrs.frozen(kw_only=True)
class Other(DomainEvent):
    name = "test.other"


@attrs.define
class Thing(Aggregate):
    label: str = ""


def happened(at: datetime, label: str = "") -> Happened:
    return Happened(event_id=uuid7(at), occurred_at=at, label=label)


def test_pull_events_hands_over_recorded_events_once() -> None:
    thing = Thing()
    first, second = happened(T0), happened(T0 + timedelta(seconds=1))
    thing.record(first)
    thing.record(second)
    assert thing.pull_events() == [first, second]
    assert thing.pull_events() == []


def test_pending_events_do_not_count_for_equality() -> None:
    recorded = Thing("a")
    recorded.record(happened(T0))
    assert recorded == Thing("a")


def test_collect_events_orders_events_of_all_aggregates_oldest_first() -> None:
    a, b = Thing("a"), Thing("b")
    a.record(happened(T0 + timedelta(seconds=2), "a2"))
    b.record(happened(T0 + timedelta(seconds=1), "b1"))
    a.record(happened(T0 + timedelta(seconds=3), "a3"))
    b.record(happened(T0, "b0"))
    labels = [e.label for e in collect_events([a, b]) if isinstance(e, Happened)]
    assert labels == ["b0", "b1", "a2", "a3"]
    assert a.pull_events() == b.pull_events() == []


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=30), st.randoms())
def test_collect_events_is_sorted_by_time_then_id(offsets: list[int], rnd: Any) -> None:
    things = [Thing(str(i)) for i in range(3)]
    for offset in offsets:
        rnd.choice(things).record(happened(T0 + timedelta(milliseconds=offset)))
    events = collect_events(things)
    assert len(events) == len(offsets)
    assert events == sorted(events, key=lambda e: (e.occurred_at, e.event_id))


def test_collect_events_takes_the_same_aggregate_seen_twice_once() -> None:
    thing = Thing()
    thing.record(happened(T0))
    assert len(collect_events([thing, thing])) == 1


def test_event_types_indexes_classes_by_name() -> None:
    assert event_types([Happened], [Other]) == {"test.happened": Happened, "test.other": Other}


def test_event_types_accepts_the_same_class_twice() -> None:
    assert event_types([Happened], [Happened]) == {"test.happened": Happened}


def test_event_types_refuses_two_classes_with_one_name() -> None:
    with pytest.raises(ValueError, match=r"test\.happened"):
        event_types([Happened], [AlsoHappened])


async def _one(event: Any, ctx: Any) -> None:
    return None


async def _two(event: Any, ctx: Any) -> None:
    return None


def test_merge_handlers_joins_tables_keeping_order() -> None:
    merged = merge_handlers({"a": [_one]}, {"a": [_two], "b": [_two]})
    assert merged == {"a": [_one, _two], "b": [_two]}


def test_catalogue_names_every_event_once_as_domain_past_tense() -> None:
    assert all(cls.name == name for name, cls in EVENT_TYPES.items())
    assert all("." in name for name in EVENT_TYPES)
    assert set(HANDLERS) <= set(EVENT_TYPES)
    assert {
        "account.registration_attempted",
        "event.cancelled",
        "event.changed",
        "booking.confirmed",
        "booking.cancelled",
        "notification.requested",
    } <= set(HANDLERS)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="time zone") as caught:
        require_aware(datetime(2030, 1, 1), "starts_at")
    assert caught.value.field == "starts_at"
    assert require_aware(T0, "starts_at") is T0
