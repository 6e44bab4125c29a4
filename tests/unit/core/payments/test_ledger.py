"""The ledger: every movement balances, and customer money equals paid orders at all times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.payments import ledger
from core.payments.ledger import JournalEntry, LedgerAccount, Posting
from core.payments.model import Payment, PaymentStatus, Purpose
from core.shared.errors import Conflict, ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money

AT = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_an_unbalanced_entry_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="balance"):
        JournalEntry(
            uuid7(AT),
            ledger.EntryKind.CAPTURE,
            uuid7(AT),
            AT,
            (
                Posting(LedgerAccount.PROVIDER_CASH, Money(100, "RUB")),
                Posting(LedgerAccount.CUSTOMER_PAYMENTS, Money(-99, "RUB")),
            ),
        )


def test_an_entry_mixing_currencies_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="one currency"):
        JournalEntry(
            uuid7(AT),
            ledger.EntryKind.CAPTURE,
            uuid7(AT),
            AT,
            (
                Posting(LedgerAccount.PROVIDER_CASH, Money(100, "RUB")),
                Posting(LedgerAccount.CUSTOMER_PAYMENTS, Money(-100, "EUR")),
            ),
        )


@pytest.mark.parametrize("build", [ledger.capture, ledger.refund, ledger.fee, ledger.payout])
def test_movements_of_nothing_or_less_are_refused(build: object) -> None:
    with pytest.raises(ValidationFailed):
        build(uuid7(AT), Money(0, "RUB"), AT)  # type: ignore[operator]


def _payment(amount: int) -> Payment:
    return Payment.create(
        payer_id=uuid7(AT),  # type: ignore[arg-type]
        amount=Money(amount, "RUB"),
        purpose=Purpose.BOOKING,
        reference_id=uuid7(AT),
        provider="memory",
        description="test",
        now=AT,
        expires_at=AT.replace(hour=13),
    )


step = st.one_of(
    st.tuples(st.just("capture"), st.integers(1, 10_000_000)),
    st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 10_000_000)),
    st.tuples(st.just("fee"), st.integers(0, 20), st.integers(1, 500_000)),
)


@given(st.lists(step, max_size=40))
def test_any_captures_refunds_and_fees_keep_the_books_balanced(steps: list[tuple]) -> None:
    """Σ postings = 0 always; refunds never exceed captures; customer money = paid orders."""
    payments: list[Payment] = []
    entries: list[JournalEntry] = []
    for move in steps:
        if move[0] == "capture":
            payment = _payment(move[1])
            assert payment.succeed(AT)
            payments.append(payment)
            entries.append(ledger.capture(payment.id, payment.amount, AT))
            continue
        if not payments:
            continue
        payment = payments[move[1] % len(payments)]
        if move[0] == "fee":
            entries.append(ledger.fee(payment.id, Money(move[2], "RUB"), AT))
            continue
        try:
            refund = payment.request_refund(Money(move[2], "RUB"), "test", AT)
        except Conflict:
            assert move[2] > payment.refundable.amount or payment.refundable.amount == 0
            continue
        assert payment.settle_refund(refund, True, AT)
        entries.append(ledger.refund(refund.id, refund.amount, AT))

    totals = ledger.balances(entries)
    assert all(v == 0 for v in ledger.trial_balance(totals).values())
    for payment in payments:
        assert 0 <= payment.refunded <= payment.captured
        full = payment.refunded == payment.captured
        assert (payment.status is PaymentStatus.REFUNDED) == full
    paid_orders = sum(p.captured - p.refunded for p in payments)
    assert -totals.get((LedgerAccount.CUSTOMER_PAYMENTS, "RUB"), 0) == paid_orders


async def test_a_payout_is_stored_before_the_call_sent_once_and_booked() -> None:
    from adapters.memory import MemoryStore, MemoryUnitOfWork, SteppingClock
    from adapters.memory.provider import MemoryPaymentProvider
    from core.payments.model import PayoutStatus
    from core.payments.services import pay_out, send_payout

    store, clock, provider = MemoryStore(), SteppingClock(), MemoryPaymentProvider()
    providers = {provider.name: provider}
    seller = uuid7(AT)
    payout = await pay_out(
        seller,  # type: ignore[arg-type]
        Money(4_000, "RUB"),
        "resale of ticket T",
        provider="memory",
        uow=MemoryUnitOfWork(store),
        providers=providers,
        clock=clock,
    )
    again = await send_payout(
        payout, provider="memory", uow=MemoryUnitOfWork(store), providers=providers, clock=clock
    )

    assert again.status is PayoutStatus.PAID
    assert provider.calls == [f"payout {payout.idempotency_key}"] * 2
    assert len(provider.payouts) == 1  # the same key: sent once
    async with MemoryUnitOfWork(store) as uow:
        books = await uow.ledger.balances()
    assert books[(LedgerAccount.SELLER_PAYOUTS, "RUB")] == 4_000
    assert books[(LedgerAccount.PROVIDER_CASH, "RUB")] == -4_000
