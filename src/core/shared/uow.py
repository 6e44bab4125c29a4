"""The unit of work port: one transaction, and the outbox written inside it."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Protocol, Self

from core.shared.events import Aggregate, DomainEvent


class UnitOfWork(Protocol):
    """One atomic change. `commit` also writes the recorded domain events to the outbox.

    Leaving the `async with` block without `commit` rolls back. Repositories hang off concrete
    units of work as attributes; each domain declares the narrow set it needs in its ports.
    """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


def collect_events(aggregates: Iterable[Aggregate]) -> list[DomainEvent]:
    """Take the recorded events off every aggregate a unit of work has seen, oldest first."""
    events = [event for aggregate in aggregates for event in aggregate.pull_events()]
    events.sort(key=lambda e: (e.occurred_at, e.event_id))
    return events
