"""Payments, refunds, the ledger and webhook events: one contract, every backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.identity.model import Account
from core.payments import ledger
from core.payments.ledger import LedgerAccount
from core.payments.model import Payment, PaymentStatus, Payout, PayoutStatus, Purpose, RefundStatus
from core.payments.ports import ProviderEvent, ProviderEventType
from core.payments.services import record_provider_event
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7
from core.shared.money import Money


async def new_payment(
    new_uow: NewUow, clock: SteppingClock, payer: Account, amount: int = 5_000, **fields: object
) -> Payment:
    now = clock.now()
    payment = Payment.create(
        payer.id,
        Money(amount, "RUB"),
        Purpose.BOOKING,
        uuid7(now),
        "memory",
        "2 seats",
        now,
        now + timedelta(minutes=15),
    )
    for name, value in fields.items():
        setattr(payment, name, value)
    async with new_uow() as uow:
        await uow.payments.add(payment)
        await uow.commit()
    return payment


async def test_a_payment_round_trips_every_field(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    payment = await new_payment(new_uow, clock, await make.account())
    async with new_uow() as uow:
        stored = await uow.payments.get_for_update(payment.id)
        stored.open(f"pi_{payment.id}", "https://pay.example/x", clock.now())
        stored.succeed(clock.now(), fee=Money(120, "RUB"))
        await uow.payments.save(stored)
        await uow.commit()

    async with new_uow() as uow:
        loaded = await uow.payments.get(payment.id)
        found = await uow.payments.find_by_provider_ref("memory", f"pi_{payment.id}")
        assert await uow.payments.find_by_provider_ref("other", f"pi_{payment.id}") is None
    assert loaded == stored
    assert found == stored
    assert (loaded.status, loaded.captured, loaded.fee) == (PaymentStatus.SUCCEEDED, 5_000, 120)
    assert loaded.amount == Money(5_000, "RUB")


async def test_a_missing_payment_is_not_found(new_uow: NewUow, clock: SteppingClock) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.payments.get(uuid7(clock.now()))  # type: ignore[arg-type]


async def test_two_payments_cannot_share_a_provider_reference(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    payer = await make.account()
    ref = f"pi_{uuid7(clock.now())}"
    await new_payment(new_uow, clock, payer, provider_ref=ref)
    with pytest.raises(Conflict):
        await new_payment(new_uow, clock, payer, provider_ref=ref)


async def test_refunds_beyond_the_capture_are_refused_by_the_store(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    payment = await new_payment(new_uow, clock, await make.account())
    async with new_uow() as uow:
        stored = await uow.payments.get_for_update(payment.id)
        stored.succeed(clock.now())
        stored.refunded = stored.captured + 1  # behind the model's back
        with pytest.raises(Conflict):
            await uow.payments.save(stored)


async def test_due_to_expire_lists_open_payments_past_their_time_oldest_first(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    payer = await make.account()
    first = await new_payment(new_uow, clock, payer)
    second = await new_payment(new_uow, clock, payer)
    paid = await new_payment(new_uow, clock, payer)
    async with new_uow() as uow:
        stored = await uow.payments.get_for_update(paid.id)
        stored.succeed(clock.now())
        await uow.payments.save(stored)
        await uow.commit()

    later = second.expires_at
    async with new_uow() as uow:
        due = await uow.payments.due_to_expire(later, 100)
        assert await uow.payments.due_to_expire(first.expires_at - timedelta(seconds=1), 100) == []
        assert (await uow.payments.due_to_expire(later, 1))[0] in due
    mine = [p for p in due if p in (first.id, second.id, paid.id)]
    assert mine == [first.id, second.id]


async def test_refunds_round_trip_and_unsent_ones_are_found(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    payment = await new_payment(new_uow, clock, await make.account())
    async with new_uow() as uow:
        stored = await uow.payments.get_for_update(payment.id)
        stored.succeed(clock.now())
        sent = stored.request_refund(Money(1_000, "RUB"), "first", clock.now())
        unsent = stored.request_refund(Money(500, "RUB"), "second", clock.now())
        sent.provider_ref = f"re_{sent.id}"
        await uow.refunds.add(sent)
        await uow.refunds.add(unsent)
        await uow.payments.save(stored)
        await uow.commit()

    later = clock.now() + timedelta(seconds=1)
    async with new_uow() as uow:
        assert await uow.refunds.get(sent.id) == sent
        assert await uow.refunds.find_by_provider_ref(f"re_{sent.id}") == sent
        assert await uow.refunds.for_payment(payment.id) == [sent, unsent]
        stuck = await uow.refunds.unsent(later, 100)
        assert unsent in stuck
        assert sent not in stuck
        assert unsent not in await uow.refunds.unsent(unsent.created_at, 100)  # strictly before
        stored = await uow.payments.get_for_update(payment.id)
        stored.settle_refund(sent, True, clock.now())
        await uow.refunds.save(sent)
        await uow.payments.save(stored)
        await uow.commit()

    async with new_uow() as uow:
        settled = await uow.refunds.get(sent.id)
        loaded = await uow.payments.get(payment.id)
    assert settled.status is RefundStatus.SUCCEEDED
    assert (loaded.refunded, loaded.refund_pending) == (1_000, 500)


async def test_payouts_round_trip_and_pending_ones_with_a_provider_are_found(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    seller = await make.account()
    tag = uuid7(clock.now()).hex[:8]
    waiting = Payout.create(seller.id, Money(700, "RUB"), "resale", clock.now(), f"p-{tag}")
    paid = Payout.create(seller.id, Money(800, "RUB"), "resale", clock.now(), f"p-{tag}")
    paid.mark_paid("po_1", clock.now())
    unknown = Payout.create(seller.id, Money(900, "RUB"), "resale", clock.now())
    async with new_uow() as uow:
        for payout in (waiting, paid, unknown):
            await uow.payouts.add(payout)
        await uow.commit()
    later = clock.now() + timedelta(seconds=1)
    async with new_uow() as uow:
        assert await uow.payouts.get(waiting.id) == waiting
        assert await uow.payouts.get_for_update(paid.id) == paid
        assert await uow.payouts.get(unknown.id) == unknown
        stuck = await uow.payouts.unsent(later, 1000)
        assert waiting in stuck
        assert paid not in stuck
        assert unknown not in stuck  # no provider to send it through
        assert waiting not in await uow.payouts.unsent(waiting.created_at, 1000)
        with pytest.raises(NotFound):
            await uow.payouts.get(uuid7(clock.now()))
        failed = await uow.payouts.get_for_update(waiting.id)
        failed.mark_failed(clock.now())
        await uow.payouts.save(failed)
        await uow.commit()
    async with new_uow() as uow:
        assert (await uow.payouts.get(waiting.id)).status is PayoutStatus.FAILED
        assert waiting.id not in {p.id for p in await uow.payouts.unsent(later, 1000)}


async def test_the_ledger_sums_postings_per_account_and_currency(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    source = uuid7(clock.now())
    async with new_uow() as uow:
        before = await uow.ledger.balances()
        await uow.ledger.post(ledger.capture(source, Money(10_000, "XTS"), clock.now()))
        await uow.ledger.post(ledger.refund(source, Money(2_500, "XTS"), clock.now()))
        await uow.ledger.post(ledger.fee(source, Money(300, "XTS"), clock.now()))
        await uow.commit()

    async with new_uow() as uow:
        after = await uow.ledger.balances()
    assert before.get((LedgerAccount.CUSTOMER_PAYMENTS, "XTS"), 0) == 0  # XTS: for tests only
    assert after[(LedgerAccount.CUSTOMER_PAYMENTS, "XTS")] == -7_500
    assert after[(LedgerAccount.PROVIDER_CASH, "XTS")] == 7_200
    assert after[(LedgerAccount.PROVIDER_FEES, "XTS")] == 300
    assert sum(v for (_, currency), v in after.items() if currency == "XTS") == 0


async def test_a_webhook_event_is_claimed_once_per_provider(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    event_id = f"evt_{uuid7(clock.now())}"
    async with new_uow() as uow:
        assert await uow.provider_events.claim("memory", event_id, clock.now()) is True
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.provider_events.claim("memory", event_id, clock.now()) is False
        assert await uow.provider_events.claim("stripe", event_id, clock.now()) is True


async def test_ten_concurrent_deliveries_of_one_webhook_capture_once(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    payer = await make.account()
    ref = f"pi_{uuid7(clock.now())}"
    payment = await new_payment(new_uow, clock, payer, provider_ref=ref)
    event = ProviderEvent(
        f"evt_{payment.id}", ProviderEventType.PAYMENT_SUCCEEDED, ref, payment_id=payment.id
    )

    fresh = await asyncio.gather(
        *(
            record_provider_event(event, provider="memory", uow=new_uow(), clock=clock)
            for _ in range(10)
        )
    )

    assert sorted(fresh) == [False] * 9 + [True]
    async with new_uow() as uow:
        loaded = await uow.payments.get(payment.id)
    assert (loaded.status, loaded.captured) == (PaymentStatus.SUCCEEDED, 5_000)


async def test_the_memory_provider_event_names_the_payment(clock: SteppingClock) -> None:
    provider = MemoryPaymentProvider()
    assert provider.event(ProviderEventType.PAYMENT_FAILED, "pi_x").payment_id is None
