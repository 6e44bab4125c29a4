"""Refund news from the provider: which stored refund it is about, and what it books.

A refund is found by our id first, then by the provider's reference; news about a refund
nobody here asked for is booked when it says the money went back, and ignored otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.unit.core.payments.support import PRICE, captured, tell
from tests.unit.support import NewUow, RegisterAccount, only

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.payments.ledger import EntryKind, JournalEntry, LedgerAccount, Posting
from core.payments.model import Payment, PaymentStatus, Refund, RefundId, RefundStatus
from core.payments.ports import ProviderEvent, ProviderEventType, ProviderUnavailable
from core.payments.services import refund_payment
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.outbox import OutboxMessage

SUCCEEDED = ProviderEventType.REFUND_SUCCEEDED
FAILED = ProviderEventType.REFUND_FAILED


async def state(new_uow: NewUow, payment: Payment) -> tuple[Payment, list[Refund]]:
    async with new_uow() as uow:
        return await uow.payments.get(payment.id), await uow.refunds.for_payment(payment.id)


async def refund_entries(new_uow: NewUow) -> list[JournalEntry]:
    async with new_uow() as uow:
        return [e for e in await uow.ledger.entries() if e.kind is EntryKind.REFUND]


@pytest.fixture
async def payment(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> Payment:
    payer = await register_account()
    return await captured(new_uow, clock, provider, payer.id)


async def refund(
    payment: Payment,
    amount: int,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> Refund:
    return await refund_payment(
        payment.id, Money(amount, "RUB"), "changed plans", uow=new_uow(),
        providers={provider.name: provider}, clock=clock,
    )  # fmt: skip


async def test_a_refund_made_at_the_provider_dashboard_is_booked_with_its_amount_and_reference(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    assert payment.provider_ref is not None
    news = provider.event(
        SUCCEEDED, payment.provider_ref, refund_ref="re_dash", amount=Money(4_000, "RUB")
    )
    assert await tell(provider, new_uow, clock, news) is True

    stored, [made] = await state(new_uow, payment)
    assert (made.amount, made.reason, made.provider_ref, made.status) == (
        Money(4_000, "RUB"),
        "refunded at the provider",
        "re_dash",
        RefundStatus.SUCCEEDED,
    )
    assert made.settled_at is not None
    assert stored.status is PaymentStatus.PARTIALLY_REFUNDED
    assert (stored.captured, stored.refunded, stored.refund_pending) == (10_000, 4_000, 0)
    [entry] = await refund_entries(new_uow)
    assert (entry.source_id, entry.at) == (made.id, made.settled_at)
    assert entry.postings == (
        Posting(LedgerAccount.CUSTOMER_PAYMENTS, Money(4_000, "RUB")),
        Posting(LedgerAccount.PROVIDER_CASH, Money(-4_000, "RUB")),
    )


async def test_a_failed_refund_nobody_here_asked_for_changes_nothing(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    assert payment.provider_ref is not None
    news = provider.event(
        FAILED, payment.provider_ref, refund_ref="re_stranger", amount=Money(4_000, "RUB")
    )
    assert await tell(provider, new_uow, clock, news) is True

    stored, refunds = await state(new_uow, payment)
    assert refunds == []
    assert stored.status is PaymentStatus.SUCCEEDED
    assert (stored.refunded, stored.refund_pending, stored.refundable) == (0, 0, PRICE)
    assert await refund_entries(new_uow) == []


async def test_a_failed_refund_books_nothing_and_frees_its_amount(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    sent = await refund(payment, 4_000, new_uow, clock, provider)
    assert payment.provider_ref is not None
    assert sent.provider_ref is not None
    news = provider.event(FAILED, payment.provider_ref, refund_ref=sent.provider_ref)
    await tell(provider, new_uow, clock, news)

    stored, [settled] = await state(new_uow, payment)
    assert settled.status is RefundStatus.FAILED
    assert stored.status is PaymentStatus.SUCCEEDED
    assert (stored.refunded, stored.refund_pending) == (0, 0)
    assert await refund_entries(new_uow) == []


async def test_two_reports_of_one_refund_book_it_once(
    payment: Payment,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    outbox: Callable[[], list[OutboxMessage]],
) -> None:
    sent = await refund(payment, 4_000, new_uow, clock, provider)
    assert payment.provider_ref is not None
    assert sent.provider_ref is not None
    for event_id in ("evt_first", "evt_retry_with_a_new_id"):
        news = provider.event(
            SUCCEEDED, payment.provider_ref, refund_ref=sent.provider_ref, event_id=event_id
        )
        assert await tell(provider, new_uow, clock, news) is True

    stored, [settled] = await state(new_uow, payment)
    assert settled.status is RefundStatus.SUCCEEDED
    assert (stored.refunded, stored.status) == (4_000, PaymentStatus.PARTIALLY_REFUNDED)
    [entry] = await refund_entries(new_uow)
    assert entry.source_id == sent.id
    [told] = only(outbox(), "refund.succeeded")
    assert (told.refund_id, told.amount, told.fully_refunded, told.reason) == (
        sent.id,
        Money(4_000, "RUB"),
        False,
        "changed plans",
    )


async def test_news_naming_our_refund_id_without_a_reference_settles_that_refund(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    sent = await refund(payment, 10_000, new_uow, clock, provider)
    assert payment.provider_ref is not None
    news = ProviderEvent(
        "evt_by_id", SUCCEEDED, payment.provider_ref, payment_id=payment.id, refund_id=sent.id
    )
    await tell(provider, new_uow, clock, news)

    stored, [settled] = await state(new_uow, payment)  # no second, made-up refund
    assert settled.id == sent.id
    assert (settled.status, settled.provider_ref) == (RefundStatus.SUCCEEDED, sent.provider_ref)
    assert (stored.status, stored.refunded) == (PaymentStatus.REFUNDED, 10_000)


async def test_news_with_an_unknown_refund_id_falls_back_to_the_reference(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    sent = await refund(payment, 3_000, new_uow, clock, provider)
    assert payment.provider_ref is not None
    stranger = RefundId(uuid7(clock.now()))
    news = ProviderEvent(
        "evt_ref",
        SUCCEEDED,
        payment.provider_ref,
        payment_id=payment.id,
        refund_ref=sent.provider_ref,
        refund_id=stranger,
        amount=Money(3_000, "RUB"),
    )
    await tell(provider, new_uow, clock, news)

    stored, [settled] = await state(new_uow, payment)
    assert (settled.id, settled.status) == (sent.id, RefundStatus.SUCCEEDED)
    assert (stored.refunded, stored.refund_pending) == (3_000, 0)


async def test_news_gives_a_refund_sent_without_an_answer_its_provider_reference(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    provider.down = True
    with pytest.raises(ProviderUnavailable):
        await refund(payment, 2_000, new_uow, clock, provider)
    provider.down = False
    _, [unsent] = await state(new_uow, payment)
    assert unsent.provider_ref is None
    assert payment.provider_ref is not None
    news = ProviderEvent(
        "evt_late",
        SUCCEEDED,
        payment.provider_ref,
        payment_id=payment.id,
        refund_ref="re_from_the_provider",
        refund_id=unsent.id,
    )
    await tell(provider, new_uow, clock, news)

    _, [settled] = await state(new_uow, payment)
    assert (settled.provider_ref, settled.status) == (
        "re_from_the_provider",
        RefundStatus.SUCCEEDED,
    )


async def test_news_never_replaces_the_reference_a_refund_already_has(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    sent = await refund(payment, 2_000, new_uow, clock, provider)
    assert payment.provider_ref is not None
    assert sent.provider_ref is not None
    news = ProviderEvent(
        "evt_other_ref",
        FAILED,
        payment.provider_ref,
        payment_id=payment.id,
        refund_ref="re_something_else",
        refund_id=sent.id,
    )
    await tell(provider, new_uow, clock, news)

    _, [settled] = await state(new_uow, payment)
    assert (settled.provider_ref, settled.status) == (sent.provider_ref, RefundStatus.FAILED)


async def test_news_without_a_refund_id_or_reference_is_a_dashboard_refund_of_the_rest(
    payment: Payment, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    await refund(payment, 1_000, new_uow, clock, provider)
    assert payment.provider_ref is not None
    news = ProviderEvent("evt_bare", SUCCEEDED, payment.provider_ref, payment_id=payment.id)
    await tell(provider, new_uow, clock, news)

    stored, [first, rest] = await state(new_uow, payment)
    assert first.status is RefundStatus.PENDING
    assert (rest.amount, rest.provider_ref, rest.status) == (
        Money(9_000, "RUB"),
        None,
        RefundStatus.SUCCEEDED,
    )
    assert (stored.refunded, stored.refund_pending) == (9_000, 1_000)
