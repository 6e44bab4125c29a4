"""Plain helpers for the repository contract suite; its fixtures live in conftest.py.

Every backend shares one database per test module, so tests never wipe anything: each one
makes its own accounts, events and bookings with fresh emails, phones, cities and ids.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs

from adapters.memory import FastPasswordHasher, SimplePhoneNumbers, SteppingClock
from core.booking import services as booking
from core.booking.commands import BookSeats, PublishEvent
from core.booking.model import Booking, Event, EventDetails, Visibility
from core.identity import services as identity
from core.identity.commands import Register
from core.identity.model import Account
from core.partners import services as partners
from core.partners.commands import IssueKey
from core.partners.model import KeyScope, PartnerKey
from core.shared.events import Aggregate, DomainEvent
from core.shared.money import Money
from core.shared.outbox import OutboxMessage
from entrypoints.container import PlatformUnitOfWork

NewUow = Callable[[], PlatformUnitOfWork]
PASSWORD = "correct horse battery"


def unique_tag() -> str:
    return secrets.token_hex(6)


def unique_email() -> str:
    return f"person-{unique_tag()}@example.org"


def unique_phone() -> str:
    """A fresh E.164 number: +7 and ten random digits."""
    return f"+79{secrets.randbelow(10**9):09d}"


def peek(aggregate: Aggregate) -> list[DomainEvent]:
    """The events an aggregate has recorded so far, left in place for the unit of work."""
    recorded = aggregate.pull_events()
    for event in recorded:
        aggregate.record(event)
    return recorded


@attrs.define
class Make:
    """Builds test data through the core's own services, one committed transaction each."""

    new_uow: NewUow
    clock: SteppingClock
    hasher: FastPasswordHasher = attrs.field(factory=FastPasswordHasher)
    phones: SimplePhoneNumbers = attrs.field(factory=SimplePhoneNumbers)

    def later(self, **delta: float) -> datetime:
        """An instant relative to the clock's current time: later(days=1)."""
        return self.clock.current + timedelta(**delta)

    async def account(
        self, *, full_name: str = "Ada Lovelace", phone: str | None = None
    ) -> Account:
        """A newly registered account with a fresh email (and an unverified phone if given)."""
        return await identity.register(
            Register(full_name, unique_email(), PASSWORD, phone),
            uow=self.new_uow(),
            hasher=self.hasher,
            phones=self.phones,
            clock=self.clock,
        )

    async def verified_account(self, phone: str) -> Account:
        """A registered account whose phone is verified, as the stored copy now reads."""
        account = await self.account(phone=phone)
        async with self.new_uow() as uow:
            stored = await uow.accounts.get(account.id)
            stored.verify_phone(phone, self.clock.now())
            await uow.accounts.save(stored)
            await uow.commit()
        return stored

    def details(self, **overrides: Any) -> EventDetails:
        """Three hours, a week ahead of the clock, in a city no other test uses."""
        starts_at = overrides.pop("starts_at", self.later(days=7))
        fields: dict[str, Any] = {
            "title": "Jazz in the courtyard",
            "description": "An evening of standards",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=3),
            "city": f"City {unique_tag()}",
            "address": "Tverskaya 1",
            "time_zone": "Europe/Moscow",
        }
        fields.update(overrides)
        return EventDetails(**fields)

    async def event(
        self,
        host: Account,
        *,
        capacity: int = 10,
        visibility: Visibility = Visibility.PUBLIC,
        price: Money | None = None,
        **detail_overrides: Any,
    ) -> Event:
        """A published event of `host`; any detail may be overridden."""
        return await booking.publish_event(
            PublishEvent(host.id, self.details(**detail_overrides), capacity, visibility, price),
            uow=self.new_uow(),
            clock=self.clock,
        )

    async def partner_key(self, organiser: Account, name: str = "Shop") -> PartnerKey:
        """A partner key of `organiser` with every scope."""
        key, _ = await partners.issue_key(
            IssueKey(organiser.id, name, frozenset(KeyScope)), uow=self.new_uow(), clock=self.clock
        )
        return key

    async def booking(self, event: Event, guest: Account, seats: int = 1) -> Booking:
        made, _ = await booking.book_seats(
            BookSeats(event.id, guest.id, seats), uow=self.new_uow(), clock=self.clock
        )
        return made


async def drain_outbox(new_uow: NewUow, now: datetime) -> None:
    """Mark every pending message published, so a test sees only the messages it causes."""
    for _ in range(1000):
        async with new_uow() as uow:
            messages = await uow.outbox.claim(100)
            if not messages:
                return
            await uow.outbox.mark_published([m.id for m in messages], now)
            await uow.commit()
    raise AssertionError("the outbox still has pending messages after marking them published")


async def claim_all(new_uow: NewUow) -> list[OutboxMessage]:
    """Every pending message, oldest first, without publishing any."""
    async with new_uow() as uow:
        return await uow.outbox.claim(100)
