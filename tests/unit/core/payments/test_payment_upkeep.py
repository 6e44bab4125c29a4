"""The periodic and back-office side of payments: expiring, resending refunds, payouts, what a
payer may see, and the note a payer gets when money comes back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.unit.core.payments.support import HOLD, PRICE, captured, stored_payment, tell
from tests.unit.support import NewUow, RegisterAccount, Relay

from adapters.memory import MemoryNotifier, MemoryStore, SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.identity.model import AccountId
from core.payments.ledger import EntryKind, LedgerAccount, Posting
from core.payments.model import (
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    Purpose,
    RefundStatus,
)
from core.payments.ports import PayoutRequest, ProviderEventType, ProviderUnavailable
from core.payments.services import (
    UNSENT_REFUND_GRACE,
    expire_payments,
    pay_out,
    payment_details,
    refund_payment,
    resend_unsent_payouts,
    resend_unsent_refunds,
    send_payout,
)
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7
from core.shared.money import Money


async def set_aside(new_uow: NewUow, clock: SteppingClock, payment: Payment, *amounts: int) -> None:
    """Refunds recorded but never handed to the provider (the call was lost)."""
    async with new_uow() as uow:
        fresh = await uow.payments.get_for_update(payment.id)
        for amount in amounts:
            await uow.refunds.add(fresh.request_refund(Money(amount, "RUB"), "lost", clock.now()))
        await uow.payments.save(fresh)
        await uow.commit()


async def test_payment_details_show_a_payment_with_its_own_refunds_only(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = await register_account()
    mine = await captured(new_uow, clock, provider, payer.id)
    other = await captured(new_uow, clock, provider, payer.id)
    providers = {provider.name: provider}
    first = await refund_payment(
        mine.id, Money(1_000, "RUB"), "a", uow=new_uow(), providers=providers, clock=clock
    )
    await refund_payment(
        other.id, Money(2_000, "RUB"), "b", uow=new_uow(), providers=providers, clock=clock
    )

    payment, refunds = await payment_details(mine.id, viewer=payer.id, uow=new_uow())

    assert (payment.id, payment.refund_pending) == (mine.id, 1_000)
    assert [(r.id, r.amount) for r in refunds] == [(first.id, Money(1_000, "RUB"))]


async def test_payment_details_of_someone_elses_payment_are_not_found(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    payer, stranger = await register_account(), await register_account()
    payment = await stored_payment(new_uow, clock, payer.id)
    with pytest.raises(NotFound) as caught:
        await payment_details(payment.id, viewer=stranger.id, uow=new_uow())
    assert caught.value.detail == "payment not found"


async def test_expiry_closes_every_payment_due_at_its_instant_and_counts_them(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    payer = await register_account()
    first = await stored_payment(new_uow, clock, payer.id)
    second = await stored_payment(new_uow, clock, payer.id)
    clock.current = second.expires_at - timedelta(milliseconds=1)
    assert await expire_payments(uow=new_uow(), clock=clock) == 1  # only the first is due

    clock.current = second.expires_at
    assert await expire_payments(uow=new_uow(), clock=clock) == 1
    async with new_uow() as uow:
        closed = [await uow.payments.get(p.id) for p in (first, second)]
    assert [p.status for p in closed] == [PaymentStatus.EXPIRED] * 2
    assert closed[1].updated_at == second.expires_at


async def test_expiry_counts_each_payment_it_closes_up_to_its_limit(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    payer = await register_account()
    for _ in range(3):
        await stored_payment(new_uow, clock, payer.id)
    clock.advance(HOLD)
    assert await expire_payments(uow=new_uow(), clock=clock, limit=2) == 2
    assert await expire_payments(uow=new_uow(), clock=clock, limit=2) == 1


async def test_expiry_takes_a_hundred_payments_a_run_by_default(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    payer = await register_account()
    now = clock.now()
    async with new_uow() as uow:
        for _ in range(101):
            await uow.payments.add(
                Payment.create(
                    payer.id, PRICE, Purpose.RESALE, uuid7(now), "memory", "x", now, now + HOLD
                )
            )
        await uow.commit()
    clock.advance(HOLD)
    assert await expire_payments(uow=new_uow(), clock=clock) == 100
    assert await expire_payments(uow=new_uow(), clock=clock) == 1


async def test_an_unsent_refund_is_retried_only_once_its_grace_of_30_seconds_is_over(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payment = await captured(new_uow, clock, provider, (await register_account()).id)
    await set_aside(new_uow, clock, payment, 3_000)
    _, [lost] = await payment_details(payment.id, viewer=payment.payer_id, uow=new_uow())
    providers = {provider.name: provider}

    clock.current = lost.created_at + UNSENT_REFUND_GRACE
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 0
    clock.current = lost.created_at + timedelta(seconds=30, milliseconds=1)
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 1

    [(ref, request)] = provider.refunds.items()
    assert (request.refund_id, request.amount) == (lost.id, Money(3_000, "RUB"))
    _, [sent] = await payment_details(payment.id, viewer=payment.payer_id, uow=new_uow())
    assert sent.provider_ref == ref


async def test_resending_hands_over_fifty_refunds_a_run_by_default(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payment = await captured(new_uow, clock, provider, (await register_account()).id)
    await set_aside(new_uow, clock, payment, *[100] * 51)
    clock.advance(timedelta(minutes=1))
    providers = {provider.name: provider}
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 50
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 1
    assert (
        await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock, limit=5) == 0
    )


async def test_a_refund_whose_provider_is_gone_does_not_hold_up_the_others(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = (await register_account()).id
    gone = MemoryPaymentProvider(name="gone")
    stranded = await captured(new_uow, clock, gone, payer)
    fine = await captured(new_uow, clock, provider, payer)
    await set_aside(new_uow, clock, stranded, 1_000)  # older, so tried first
    await set_aside(new_uow, clock, fine, 2_000)
    clock.advance(timedelta(minutes=1))

    providers = {provider.name: provider}
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 1
    assert [r.amount for r in provider.refunds.values()] == [Money(2_000, "RUB")]
    _, [waiting] = await payment_details(stranded.id, viewer=payer, uow=new_uow())
    assert (waiting.status, waiting.provider_ref) == (RefundStatus.PENDING, None)


async def test_a_refund_the_provider_refuses_is_abandoned_and_the_next_one_still_sent(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = (await register_account()).id
    strict = MemoryPaymentProvider(name="strict", refuse_refunds="charge is disputed")
    refused = await captured(new_uow, clock, strict, payer)
    fine = await captured(new_uow, clock, provider, payer)
    await set_aside(new_uow, clock, refused, 1_000)
    await set_aside(new_uow, clock, fine, 2_000)
    clock.advance(timedelta(minutes=1))

    providers = {provider.name: provider, strict.name: strict}
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 1
    assert [r.amount for r in provider.refunds.values()] == [Money(2_000, "RUB")]
    payment, [given_up] = await payment_details(refused.id, viewer=payer, uow=new_uow())
    assert given_up.status is RefundStatus.FAILED
    assert given_up.settled_at is not None
    assert payment.updated_at == given_up.settled_at
    assert (payment.refund_pending, payment.refundable) == (0, PRICE)


async def test_a_payout_carries_its_account_amount_and_key_and_is_booked_when_paid(
    store: MemoryStore, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    seller = AccountId(uuid7(clock.now()))
    payout = await pay_out(
        seller, Money(4_000, "RUB"), "resale of ticket T", provider="memory",
        uow=new_uow(), providers={"memory": provider}, clock=clock,
    )  # fmt: skip

    [(ref, request)] = provider.payouts.items()
    assert request == PayoutRequest(payout.id, seller, Money(4_000, "RUB"), payout.idempotency_key)
    assert payout.idempotency_key == f"stagedoor-payout-{payout.id}"
    assert (payout.status, payout.provider_ref, payout.reason) == (
        PayoutStatus.PAID,
        ref,
        "resale of ticket T",
    )
    assert payout.settled_at is not None
    assert payout.settled_at > payout.created_at
    assert store.table("payouts")[payout.id] == payout
    async with new_uow() as uow:
        [entry] = await uow.ledger.entries()
    assert (entry.kind, entry.source_id, entry.at) == (
        EntryKind.PAYOUT,
        payout.id,
        payout.settled_at,
    )
    assert entry.postings == (
        Posting(LedgerAccount.SELLER_PAYOUTS, Money(4_000, "RUB")),
        Posting(LedgerAccount.PROVIDER_CASH, Money(-4_000, "RUB")),
    )


async def test_a_payout_through_an_unconfigured_provider_stays_pending_and_unbooked(
    store: MemoryStore, new_uow: NewUow, clock: SteppingClock
) -> None:
    seller = AccountId(uuid7(clock.now()))
    with pytest.raises(ProviderUnavailable) as caught:
        await pay_out(
            seller, Money(500, "RUB"), "resale", provider="acme",
            uow=new_uow(), providers={}, clock=clock,
        )  # fmt: skip
    assert caught.value.detail == "the payment provider 'acme' is not configured"
    [waiting] = store.table("payouts").values()
    assert (waiting.status, waiting.provider_ref, waiting.settled_at) == (
        PayoutStatus.PENDING,
        None,
        None,
    )
    assert (waiting.account_id, waiting.amount) == (seller, Money(500, "RUB"))
    async with new_uow() as uow:
        assert await uow.ledger.entries() == []


async def test_sending_a_paid_payout_again_books_nothing_more(
    new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    payout = Payout.create(AccountId(uuid7(clock.now())), Money(700, "RUB"), "r", clock.now())
    async with new_uow() as uow:
        await uow.payouts.add(payout)
        await uow.commit()
    providers = {"memory": provider}
    first = await send_payout(
        payout, provider="memory", uow=new_uow(), providers=providers, clock=clock
    )
    settled_at = first.settled_at
    again = await send_payout(
        first, provider="memory", uow=new_uow(), providers=providers, clock=clock
    )
    assert again.settled_at == settled_at
    async with new_uow() as uow:
        assert len(await uow.ledger.entries()) == 1


async def test_a_payout_the_provider_did_not_take_is_resent_once_after_a_grace(
    store: MemoryStore, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    seller = AccountId(uuid7(clock.now()))
    providers = {"memory": provider}
    provider.down = True
    with pytest.raises(ProviderUnavailable):
        await pay_out(
            seller, Money(900, "RUB"), "resale", provider="memory",
            uow=new_uow(), providers=providers, clock=clock,
        )  # fmt: skip
    [waiting] = store.table("payouts").values()
    assert (waiting.status, waiting.provider) == (PayoutStatus.PENDING, "memory")
    provider.down = False
    assert await resend_unsent_payouts(uow=new_uow(), providers=providers, clock=clock) == 0
    clock.advance(UNSENT_REFUND_GRACE)
    provider.down = True  # still down: it waits for the next run
    assert await resend_unsent_payouts(uow=new_uow(), providers=providers, clock=clock) == 0
    provider.down = False
    assert await resend_unsent_payouts(uow=new_uow(), providers=providers, clock=clock) == 1
    assert await resend_unsent_payouts(uow=new_uow(), providers=providers, clock=clock) == 0
    [paid] = store.table("payouts").values()
    assert paid.status is PayoutStatus.PAID
    assert [r.amount for r in provider.payouts.values()] == [Money(900, "RUB")]
    async with new_uow() as uow:
        assert [e.kind for e in await uow.ledger.entries()] == [EntryKind.PAYOUT]


async def test_a_payout_the_provider_refuses_is_marked_failed_and_one_without_a_provider_waits(
    store: MemoryStore, new_uow: NewUow, clock: SteppingClock
) -> None:
    seller = AccountId(uuid7(clock.now()))
    refused = Payout.create(seller, Money(300, "RUB"), "r", clock.now(), "refusing")
    unknown = Payout.create(seller, Money(400, "RUB"), "r", clock.now())  # no provider kept
    async with new_uow() as uow:
        await uow.payouts.add(refused)
        await uow.payouts.add(unknown)
        await uow.commit()
    clock.advance(UNSENT_REFUND_GRACE + timedelta(seconds=1))

    class Refusing:
        name = "refusing"

        async def payout(self, request: PayoutRequest) -> str:
            raise Conflict("this account cannot receive payouts")

    providers: dict[str, Any] = {"refusing": Refusing()}
    assert await resend_unsent_payouts(uow=new_uow(), providers=providers, clock=clock) == 0
    failed = store.table("payouts")[refused.id]
    assert failed.status is PayoutStatus.FAILED
    assert failed.settled_at is not None
    assert failed.settled_at > refused.created_at + UNSENT_REFUND_GRACE
    assert store.table("payouts")[unknown.id].status is PayoutStatus.PENDING
    assert not failed.mark_failed(clock.now())
    async with new_uow() as uow:
        assert await uow.payouts.unsent(clock.now(), 10) == []


async def test_a_payer_is_told_once_how_much_came_back_and_why(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
    notifier: MemoryNotifier,
    store: MemoryStore,
) -> None:
    payer = await register_account(full_name="Grace Hopper")
    payment = await captured(new_uow, clock, provider, payer.id)
    refund = await refund_payment(
        payment.id, Money(4_050, "RUB"), "changed plans", uow=new_uow(),
        providers={provider.name: provider}, clock=clock,
    )  # fmt: skip
    assert payment.provider_ref is not None
    for event_id in ("evt_1", "evt_2"):
        news = provider.event(
            ProviderEventType.REFUND_SUCCEEDED,
            payment.provider_ref,
            refund_ref=refund.provider_ref,
            event_id=event_id,
        )
        await tell(provider, new_uow, clock, news)
    await relay.drain()

    [note] = [n for n in store.table("notifications").values() if n.template == "refund_succeeded"]
    assert (note.recipient_id, note.dedupe_key, note.data) == (
        payer.id,
        f"refund.succeeded:{refund.id}",
        {"amount": "40.50 RUB", "reason": "changed plans"},
    )
    [message] = notifier.sent
    assert (message.to_name, message.subject) == ("Grace Hopper", "Refund of 40.50 RUB")
    assert "(changed plans)" in message.body
