"""What the payment use-case tests share: a price, the service's return pages, and payments
stored, opened at the provider or paid through it."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.support import NewUow, ReturnUrls

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.identity.model import AccountId
from core.payments.model import Payment, Purpose
from core.payments.ports import ProviderEvent, ProviderEventType
from core.payments.services import open_checkout, record_provider_event
from core.shared.ids import uuid7
from core.shared.money import Money

PRICE = Money(10_000, "RUB")
HOLD = timedelta(minutes=15)


async def stored_payment(
    new_uow: NewUow, clock: SteppingClock, payer: AccountId, provider: str = "memory"
) -> Payment:
    """A payment of PRICE for a resale, stored and not yet sent to `provider`."""
    now = clock.now()
    payment = Payment.create(
        payer, PRICE, Purpose.RESALE, uuid7(now), provider, "a ticket", now, now + HOLD
    )
    async with new_uow() as uow:
        await uow.payments.add(payment)
        await uow.commit()
    return payment


async def opened(
    new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider, payer: AccountId
) -> Payment:
    """A payment of PRICE with its checkout opened at `provider`."""
    payment = await stored_payment(new_uow, clock, payer, provider.name)
    return await open_checkout(
        payment.id,
        uow=new_uow(),
        providers={provider.name: provider},
        urls=ReturnUrls(),
        clock=clock,
    )


async def captured(
    new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider, payer: AccountId
) -> Payment:
    """A payment of PRICE through `provider`, opened and reported paid."""
    payment = await opened(new_uow, clock, provider, payer)
    assert payment.provider_ref is not None
    event = provider.event(ProviderEventType.PAYMENT_SUCCEEDED, payment.provider_ref)
    await tell(provider, new_uow, clock, event)
    return payment


async def tell(
    provider: MemoryPaymentProvider, new_uow: NewUow, clock: SteppingClock, event: ProviderEvent
) -> bool:
    """Hand `event` to the service as a webhook of `provider`; whether it was new."""
    return await record_provider_event(event, provider=provider.name, uow=new_uow(), clock=clock)
