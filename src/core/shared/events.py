"""Domain events: facts recorded by aggregates and written to the outbox at commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import attrs


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Something that happened; `name` is `domain.past_tense`, `version` its schema version."""

    name: ClassVar[str] = "domain.event"
    version: ClassVar[int] = 1

    event_id: UUID
    occurred_at: datetime


@attrs.define
class Aggregate:
    """An entity that records domain events for the unit of work to publish."""

    _pending_events: list[DomainEvent] = attrs.field(
        factory=list, init=False, eq=False, repr=False, alias="_pending_events"
    )

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        events, self._pending_events = self._pending_events, []
        return events


Handler = Callable[[Any, Any], Awaitable[None]]
"""An event handler: `async def handler(event, ctx) -> None`.

`ctx` is whatever the handler's domain declares as its context Protocol (a clock, a way to open
a unit of work...); the composition root passes one object that satisfies them all. Delivery is
at least once, so every handler must be idempotent.
"""


def merge_handlers(*tables: Mapping[str, Sequence[Handler]]) -> dict[str, list[Handler]]:
    """Join the per-domain `HANDLERS` tables into one mapping: event name -> handlers."""
    merged: dict[str, list[Handler]] = {}
    for table in tables:
        for name, handlers in table.items():
            merged.setdefault(name, []).extend(handlers)
    return merged


def event_types(*groups: Iterable[type[DomainEvent]]) -> dict[str, type[DomainEvent]]:
    """Index event classes by name, refusing two classes under one name."""
    index: dict[str, type[DomainEvent]] = {}
    for group in groups:
        for cls in group:
            if cls.name in index and index[cls.name] is not cls:
                raise ValueError(f"two event classes are named {cls.name!r}")
            index[cls.name] = cls
    return index
