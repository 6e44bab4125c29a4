"""Fixtures for the core unit tests: every port served by its in-memory reference adapter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from tests.unit.support import (
    OTHER_CODE,
    OTHER_PHONE,
    PASSWORD,
    TEST_CODE,
    TEST_PHONE,
    BookHelper,
    DetailsFactory,
    HandlerContext,
    NewUow,
    PublishHelper,
    RegisterAccount,
    Relay,
    pending_outbox,
)

from adapters.memory import (
    FastPasswordHasher,
    FixedCodes,
    MemoryAccessTokens,
    MemoryNotifier,
    MemorySmsSender,
    MemoryStore,
    MemoryUnitOfWork,
    SimplePhoneNumbers,
    SteppingClock,
)
from adapters.memory.provider import MemoryPaymentProvider
from core.booking import services as booking
from core.booking.commands import BookSeats, PublishEvent
from core.booking.model import Booking, Event, EventDetails, Visibility
from core.identity import services as identity
from core.identity.commands import Register
from core.identity.model import Account, AccountId
from core.shared.catalogue import HANDLERS
from core.shared.money import Money
from core.shared.outbox import OutboxMessage


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def new_uow(store: MemoryStore) -> NewUow:
    """Make a fresh unit of work over the test's store."""
    return lambda: MemoryUnitOfWork(store)


@pytest.fixture
def clock() -> SteppingClock:
    """Distinct, ordered instants (1 ms apart), so uuid7 ids sort like the calls that made them."""
    return SteppingClock()


@pytest.fixture
def hasher() -> FastPasswordHasher:
    return FastPasswordHasher()


@pytest.fixture
def phones() -> SimplePhoneNumbers:
    return SimplePhoneNumbers()


@pytest.fixture
def sms() -> MemorySmsSender:
    return MemorySmsSender()


@pytest.fixture
def codes() -> FixedCodes:
    return FixedCodes({TEST_PHONE: TEST_CODE, OTHER_PHONE: OTHER_CODE})


@pytest.fixture
def tokens() -> MemoryAccessTokens:
    return MemoryAccessTokens()


@pytest.fixture
def notifier() -> MemoryNotifier:
    return MemoryNotifier()


@pytest.fixture
def provider() -> MemoryPaymentProvider:
    return MemoryPaymentProvider()


@pytest.fixture
def ctx(
    clock: SteppingClock,
    notifier: MemoryNotifier,
    store: MemoryStore,
    provider: MemoryPaymentProvider,
) -> HandlerContext:
    """The context event handlers receive: clock, notifier, providers and new_uow()."""
    return HandlerContext(
        clock=clock, notifier=notifier, store=store, payment_providers={provider.name: provider}
    )


@pytest.fixture
def relay(ctx: HandlerContext) -> Relay:
    """The outbox relay and worker, in memory, over every handler in the catalogue."""
    return Relay(ctx=ctx, handlers=HANDLERS)


@pytest.fixture
def outbox(store: MemoryStore) -> Callable[[], list[OutboxMessage]]:
    """Read the unpublished outbox messages, oldest first."""
    return lambda: pending_outbox(store)


@pytest.fixture
def at(clock: SteppingClock) -> Callable[..., datetime]:
    """An instant relative to the clock's current time: at(days=1)."""
    return lambda **delta: clock.current + timedelta(**delta)


@pytest.fixture
def register_account(
    new_uow: NewUow, hasher: FastPasswordHasher, phones: SimplePhoneNumbers, clock: SteppingClock
) -> RegisterAccount:
    """Register an account; a call without an email gets a fresh one."""
    numbers = count(1)

    async def _register(
        email: str | None = None, *, full_name: str = "Ada Lovelace", password: str = PASSWORD
    ) -> Account:
        return await identity.register(
            Register(full_name, email or f"person{next(numbers)}@example.org", password),
            uow=new_uow(),
            hasher=hasher,
            phones=phones,
            clock=clock,
        )

    return _register


@pytest.fixture
def details(clock: SteppingClock) -> DetailsFactory:
    """Event details three hours long, a week ahead of the clock; keywords override fields."""

    def _details(**overrides: Any) -> EventDetails:
        starts_at = overrides.pop("starts_at", clock.current + timedelta(days=7))
        fields: dict[str, Any] = {
            "title": "Jazz in the courtyard",
            "description": "An evening of standards",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=3),
            "city": "Moscow",
            "address": "Tverskaya 1",
            "time_zone": "Europe/Moscow",
        }
        fields.update(overrides)
        return EventDetails(**fields)

    return _details


@pytest.fixture
def publish(new_uow: NewUow, clock: SteppingClock, details: DetailsFactory) -> PublishHelper:
    """Publish an event for a host; capacity, visibility, price and any detail overridable."""

    async def _publish(
        host: Account | AccountId,
        *,
        capacity: int = 10,
        visibility: Visibility = Visibility.PUBLIC,
        price: Money | None = None,
        **detail_overrides: Any,
    ) -> Event:
        host_id = host.id if isinstance(host, Account) else host
        return await booking.publish_event(
            PublishEvent(host_id, details(**detail_overrides), capacity, visibility, price),
            uow=new_uow(),
            clock=clock,
        )

    return _publish


@pytest.fixture
def book(new_uow: NewUow, clock: SteppingClock) -> BookHelper:
    """Book seats for a guest and return the booking."""

    async def _book(event: Event, guest: Account, seats: int = 1, **extra: str | None) -> Booking:
        made, _ = await booking.book_seats(
            BookSeats(event.id, guest.id, seats, **extra), uow=new_uow(), clock=clock
        )
        return made

    return _book
