"""Captures, fees, failures and refund requests at their edges: a one-kopeck fee, a failure
without a reason, what a refund request names, and the words used when one cannot be sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.core.payments.support import PRICE, captured, opened, stored_payment, tell
from tests.unit.support import NewUow, RegisterAccount, ReturnUrls

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.identity.model import AccountId
from core.payments.ledger import EntryKind, JournalEntry
from core.payments.model import Payment, PaymentId, PaymentStatus, Purpose
from core.payments.ports import ProviderEvent, ProviderEventType
from core.payments.services import (
    open_checkout,
    record_provider_event,
    refund_payment,
    send_refund,
)
from core.shared.errors import Conflict
from core.shared.ids import uuid7
from core.shared.money import Money

AT = datetime(2030, 1, 1, tzinfo=UTC)


class CancelPage(ReturnUrls):
    def cancel(self, payment_id: PaymentId) -> str:
        return f"https://stagedoor.test/pay/cancel/{payment_id}"


async def entries(new_uow: NewUow) -> list[JournalEntry]:
    async with new_uow() as uow:
        return await uow.ledger.entries()


async def reload(new_uow: NewUow, payment: Payment) -> Payment:
    async with new_uow() as uow:
        return await uow.payments.get(payment.id)


async def paid_with_fee(
    fee: Money,
    payer: AccountId,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> Payment:
    """An opened payment, then the provider's news that it was paid and `fee` was kept."""
    payment = await opened(new_uow, clock, provider, payer)
    assert payment.provider_ref is not None
    news = ProviderEvent(
        "evt_1", ProviderEventType.PAYMENT_SUCCEEDED, payment.provider_ref, fee=fee
    )
    await tell(provider, new_uow, clock, news)
    return payment


@pytest.fixture
async def payer(register_account: RegisterAccount) -> AccountId:
    return (await register_account()).id


async def test_a_checkout_is_opened_at_the_clocks_instant_with_its_cancel_page(
    payer: AccountId, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    payment = await stored_payment(new_uow, clock, payer)
    at = clock.current
    opened_ = await open_checkout(
        payment.id, uow=new_uow(), providers={"memory": provider}, urls=CancelPage(), clock=clock
    )
    [request] = provider.checkouts.values()
    assert request.cancel_url == f"https://stagedoor.test/pay/cancel/{payment.id}"
    assert (opened_.status, opened_.updated_at) == (PaymentStatus.PENDING, at)


async def test_a_capture_is_booked_against_its_payment_and_a_one_kopeck_fee_counts(
    payer: AccountId, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    payment = await paid_with_fee(Money(1, "RUB"), payer, new_uow, clock, provider)

    booked = {e.kind: e for e in await entries(new_uow)}  # made at one instant: any order
    capture, fee = booked[EntryKind.CAPTURE], booked[EntryKind.FEE]
    assert len(booked) == 2
    assert capture.source_id == fee.source_id == payment.id
    assert fee.postings[0].amount == Money(1, "RUB")
    assert (await reload(new_uow, payment)).fee == 1


async def test_a_zero_fee_books_no_fee_entry(
    payer: AccountId, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    await paid_with_fee(Money(0, "RUB"), payer, new_uow, clock, provider)
    assert [e.kind for e in await entries(new_uow)] == [EntryKind.CAPTURE]


@pytest.mark.parametrize(("reason", "recorded"), [("", "declined"), ("card stolen", "card stolen")])
async def test_a_failure_keeps_the_providers_reason_or_says_declined(
    reason: str,
    recorded: str,
    payer: AccountId,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payment = await opened(new_uow, clock, provider, payer)
    assert payment.provider_ref is not None
    news = provider.event(ProviderEventType.PAYMENT_FAILED, payment.provider_ref, reason=reason)
    await tell(provider, new_uow, clock, news)
    failed = await reload(new_uow, payment)
    assert (failed.status, failed.failure_reason) == (PaymentStatus.FAILED, recorded)


async def test_news_is_claimed_per_provider_so_another_providers_event_id_is_no_replay(
    payer: AccountId, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    payment = await opened(new_uow, clock, provider, payer)
    assert payment.provider_ref is not None
    elsewhere = ProviderEvent("evt_same", ProviderEventType.PAYMENT_SUCCEEDED, "pi_elsewhere")
    assert await record_provider_event(elsewhere, provider="acme", uow=new_uow(), clock=clock)
    ours = ProviderEvent("evt_same", ProviderEventType.PAYMENT_SUCCEEDED, payment.provider_ref)
    assert await record_provider_event(ours, provider="memory", uow=new_uow(), clock=clock)
    assert (await reload(new_uow, payment)).status is PaymentStatus.SUCCEEDED


async def test_a_refund_request_names_the_payment_at_the_provider_and_the_reason(
    payer: AccountId, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    payment = await captured(new_uow, clock, provider, payer)
    assert payment.provider_ref is not None
    refund = await refund_payment(
        payment.id, None, "the show moved", uow=new_uow(), providers={"memory": provider},
        clock=clock,
    )  # fmt: skip
    [request] = provider.refunds.values()
    assert (request.provider_ref, request.reason, request.amount) == (
        payment.provider_ref,
        "the show moved",
        PRICE,
    )
    assert request.idempotency_key == refund.idempotency_key == f"stagedoor-refund-{refund.id}"


async def test_a_refund_of_a_payment_without_a_provider_reference_cannot_be_sent(
    payer: AccountId, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    payment = await stored_payment(new_uow, clock, payer)
    payment.succeed(clock.now())
    refund = payment.request_refund(None, "r", clock.now())
    with pytest.raises(Conflict) as caught:
        await send_refund(refund, payment, uow=new_uow(), providers={"memory": provider})
    assert caught.value.detail == "the payment has no reference at the provider to refund against"
    assert provider.calls == []


def test_a_second_checkout_for_one_payment_is_refused_in_words() -> None:
    now = AT
    payment = Payment.create(
        AccountId(uuid7(now)), PRICE, Purpose.RESALE, uuid7(now), "memory", "t", now,
        now + timedelta(minutes=1),
    )  # fmt: skip
    payment.open("pi_1", "https://pay.example/pi_1", now)
    with pytest.raises(Conflict) as caught:
        payment.open("pi_2", "https://pay.example/pi_2", now)
    assert caught.value.detail == "this payment already has another checkout at the provider"
