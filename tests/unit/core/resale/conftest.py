"""Resale fixtures: verified people, a Stagedoor ticket in a seller's hands, a checkout."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest
from tests.unit.support import (
    HOLD_TERMS,
    BookHelper,
    NewUow,
    PublishHelper,
    RegisterAccount,
    ReturnUrls,
)

from adapters.memory import MemoryStore, SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.model import Booking, Event
from core.booking.paid import confirm_paid_booking
from core.identity.model import Account
from core.payments.model import Payment, PaymentId
from core.payments.services import open_checkout
from core.resale import services as resale
from core.resale.commands import BuyListing, ListTicket
from core.resale.model import EventType, Listing, ListingDetails, Purchase
from core.shared.money import Money
from core.tickets.stagedoor import StagedoorTickets


@attrs.define
class Market:
    """A test's marketplace: people, a hosted event, a seller's ticket, and the calls."""

    new_uow: NewUow
    clock: SteppingClock
    provider: MemoryPaymentProvider
    register: RegisterAccount
    publish: PublishHelper
    book: BookHelper
    store: MemoryStore
    checkers: dict[str, Any] = attrs.field(factory=dict)

    async def person(self, *, verified: bool = True) -> Account:
        account = await self.register()
        if verified:
            async with self.new_uow() as uow:
                stored = await uow.accounts.get(account.id)
                stored.verify_phone(f"+79{secrets.randbelow(10**9):09d}", self.clock.now())
                await uow.accounts.save(stored)
                await uow.commit()
                account = stored
        return account

    async def ticket(
        self, seller: Account, *, price: Money | None = None, **event: Any
    ) -> tuple[Event, Booking]:
        host = await self.person()
        hosted = await self.publish(host, price=price, **event)
        booking = await self.book(hosted, seller, 1)
        if price is not None:  # as if paid: the ticket is issued
            booking = await confirm_paid_booking(
                booking.id, uow=self.new_uow(), clock=self.clock, providers={}
            )
        return hosted, booking

    async def list(self, seller: Account, barcode: str, price: Money, **extra: Any) -> Listing:
        extra.setdefault("event_type", EventType.CONCERT)
        return await resale.list_ticket(
            ListTicket(seller.id, barcode, price, **extra),
            uow=self.new_uow(),
            clock=self.clock,
            checkers=self.all_checkers,
        )

    @property
    def all_checkers(self) -> dict[str, Any]:
        return {"stagedoor": StagedoorTickets(self.new_uow), **self.checkers}

    def details(self, **overrides: Any) -> ListingDetails:
        fields: dict[str, Any] = {
            "event_name": "Night at the Opera",
            "event_type": EventType.THEATRE,
            "starts_at": self.clock.current + timedelta(days=5),
            "city": "Moscow",
            "place": "Bolshoi",
        }
        fields.update(overrides)
        return ListingDetails(**fields)

    async def buy(self, listing: Listing, buyer: Account) -> tuple[Purchase, Payment]:
        purchase, payment = await resale.buy_listing(
            BuyListing(listing.id, buyer.id),
            uow=self.new_uow(),
            clock=self.clock,
            terms=HOLD_TERMS,
        )
        opened = await open_checkout(
            PaymentId(payment.id),
            uow=self.new_uow(),
            providers={self.provider.name: self.provider},
            urls=ReturnUrls(),
            clock=self.clock,
        )
        return purchase, opened

    async def stored(self, listing: Listing) -> Listing:
        async with self.new_uow() as uow:
            return await uow.listings.get(listing.id)


MarketFactory = Callable[[], Awaitable[Market]]


@pytest.fixture
def market(
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    store: MemoryStore,
) -> Market:
    return Market(new_uow, clock, provider, register_account, publish, book, store)
