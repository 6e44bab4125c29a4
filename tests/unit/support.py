"""Plain helpers shared by the unit tests; the fixtures that build them live in conftest.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import attrs

from adapters.memory import MemoryNotifier, MemoryStore, MemoryUnitOfWork, SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.commands import BookSeats, CreateInvitation
from core.booking.model import Booking, Event, EventDetails
from core.booking.services import book_seats, create_invitation
from core.identity.model import Account, AccountId, PhoneVerification, Session
from core.payments.model import Payment, PaymentId
from core.payments.ports import ProviderEventType
from core.payments.services import PaymentTerms, open_checkout, record_provider_event
from core.shared.events import Handler
from core.shared.money import Money
from core.shared.outbox import OutboxMessage, relay_once, run_handler

TEST_PHONE = "+79990000001"
TEST_CODE = "123456"
OTHER_PHONE = "+79990000002"
OTHER_CODE = "654321"
PASSWORD = "correct horse battery"
TEST_EMAIL = "ada@example.org"
PRICE = Money(150_000, "RUB")
HOLD_TERMS = PaymentTerms(provider="memory", hold=timedelta(minutes=15))

RegisterAccount = Callable[..., Awaitable[Account]]
DetailsFactory = Callable[..., EventDetails]
PublishHelper = Callable[..., Awaitable[Event]]
BookHelper = Callable[..., Awaitable[Booking]]
NewUow = Callable[[], MemoryUnitOfWork]
StartVerification = Callable[..., Awaitable[PhoneVerification]]
VerifyPhoneHelper = Callable[..., Awaitable[Account]]
RegisterWithPhone = Callable[[str], Awaitable[Account]]
LogIn = Callable[..., Awaitable[Session]]
Refresh = Callable[[str], Awaitable[Session]]


@attrs.define
class HandlerContext:
    """What the event handlers of every domain ask for: a clock, a notifier, units of work."""

    clock: SteppingClock
    notifier: MemoryNotifier
    store: MemoryStore
    payment_providers: dict[str, Any] = attrs.field(factory=dict)
    partner_exchanges: dict[str, Any] = attrs.field(factory=dict)

    def new_uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)


def pending_outbox(store: MemoryStore) -> list[OutboxMessage]:
    """Unpublished outbox messages, oldest first."""
    return sorted(MemoryUnitOfWork(store).outbox.pending(), key=lambda m: m.id)


@attrs.define
class Relay:
    """The outbox run in memory: relay_once queues (message id, handler key) pairs in `queued`,
    `run` hands each pair to run_handler, `drain` repeats both until nothing is pending."""

    ctx: HandlerContext
    handlers: Mapping[str, Sequence[Handler]]
    queued: list[tuple[UUID, str]] = attrs.field(factory=list)

    async def relay(self) -> int:
        async def publish(message_id: UUID, key: str) -> None:
            self.queued.append((message_id, key))

        return await relay_once(
            uow=self.ctx.new_uow(),
            handlers=self.handlers,
            publish=publish,
            now=self.ctx.clock.now(),
        )

    async def run(self, jobs: Sequence[tuple[UUID, str]]) -> None:
        for message_id, key in jobs:
            await run_handler(
                message_id, key, uow=self.ctx.new_uow(), handlers=self.handlers, ctx=self.ctx
            )

    async def drain(self) -> list[tuple[UUID, str]]:
        """Relay and run handlers until the outbox is empty; every job that ran, in order."""
        ran: list[tuple[UUID, str]] = []
        while await self.relay():
            jobs, self.queued = self.queued, []
            await self.run(jobs)
            ran.extend(jobs)
        return ran


def names(messages: Sequence[OutboxMessage]) -> list[str]:
    return [m.event.name for m in messages]


def only(messages: Sequence[OutboxMessage], name: str) -> list[Any]:
    """The events of one name among outbox messages."""
    return [m.event for m in messages if m.event.name == name]


class ReturnUrls:
    """Where the payment provider sends the guest back to after a checkout."""

    def success(self, payment_id: PaymentId) -> str:
        return f"https://stagedoor.test/pay/return/{payment_id}"

    def cancel(self, payment_id: PaymentId) -> str:
        return f"https://stagedoor.test/pay/return/{payment_id}?cancelled=1"


async def book_and_check_out(
    event: Event,
    guest: Account,
    seats: int,
    *,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> tuple[Booking, Payment]:
    """Book seats of a priced event on HOLD_TERMS and open the checkout: (booking, payment)."""
    booking, _ = await book_seats(
        BookSeats(event.id, guest.id, seats), uow=new_uow(), clock=clock, terms=HOLD_TERMS
    )
    assert booking.payment_id is not None
    payment = await open_checkout(
        PaymentId(booking.payment_id),
        uow=new_uow(),
        providers={provider.name: provider},
        urls=ReturnUrls(),
        clock=clock,
    )
    return booking, payment


async def provider_news(
    provider: MemoryPaymentProvider,
    payment: Payment,
    new_uow: NewUow,
    clock: SteppingClock,
    type_: ProviderEventType = ProviderEventType.PAYMENT_SUCCEEDED,
    **extra: Any,
) -> bool:
    """Record what the provider reports about a payment (a success unless told otherwise);
    True when the report was news."""
    assert payment.provider_ref is not None
    event = provider.event(type_, payment.provider_ref, **extra)
    return await record_provider_event(event, provider=provider.name, uow=new_uow(), clock=clock)


async def invite(event: Event, host: AccountId, uow: NewUow, clock: SteppingClock) -> str:
    """Have the host create an invitation to the event; the raw token."""
    _, token = await create_invitation(CreateInvitation(event.id, host), uow=uow(), clock=clock)
    return token
