"""Payment use cases on the in-memory store: provider news of every kind, checkouts, refunds."""

from __future__ import annotations

import pytest
from tests.unit.core.payments.support import PRICE, captured, opened, stored_payment, tell
from tests.unit.support import NewUow, RegisterAccount, ReturnUrls

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.commands import BookSeats, CancelBooking
from core.booking.services import book_seats, refund_booking
from core.payments.ledger import LedgerAccount
from core.payments.model import PaymentStatus, RefundStatus
from core.payments.ports import ProviderEvent, ProviderEventType, ProviderUnavailable
from core.payments.services import (
    PaymentTerms,
    find_payment,
    open_checkout,
    payment_details,
    refund_payment,
)
from core.shared.errors import Conflict, NotFound
from core.shared.money import Money


async def test_a_checkout_request_carries_the_payment_and_its_return_pages(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = await register_account()
    payment = await opened(new_uow, clock, provider, payer.id)
    [request] = provider.checkouts.values()
    assert (request.payment_id, request.amount, request.description) == (
        payment.id,
        PRICE,
        "a ticket",
    )
    assert request.return_url == f"https://stagedoor.test/pay/return/{payment.id}"
    assert request.cancel_url.endswith("?cancelled=1")
    assert (request.expires_at, request.idempotency_key) == (
        payment.expires_at,
        payment.idempotency_key,
    )
    assert payment.status is PaymentStatus.PENDING


async def test_a_closed_payment_opens_no_checkout(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = await register_account()
    payment = await stored_payment(new_uow, clock, payer.id)
    async with new_uow() as uow:
        stored = await uow.payments.get_for_update(payment.id)
        stored.fail("declined", clock.now())
        await uow.payments.save(stored)
        await uow.commit()
    again = await open_checkout(
        payment.id, uow=new_uow(), providers={"memory": provider}, urls=ReturnUrls(), clock=clock
    )
    assert again.status is PaymentStatus.FAILED
    assert provider.calls == []


async def test_a_payment_with_an_unconfigured_provider_is_unavailable(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    payer = await register_account()
    payment = await stored_payment(new_uow, clock, payer.id, provider="acme")
    with pytest.raises(ProviderUnavailable, match="acme"):
        await open_checkout(payment.id, uow=new_uow(), providers={}, urls=ReturnUrls(), clock=clock)


async def test_news_about_an_unknown_payment_is_remembered_and_changes_nothing(
    new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    event = ProviderEvent("evt_x", ProviderEventType.PAYMENT_SUCCEEDED, "pi_nobody")
    assert await tell(provider, new_uow, clock, event) is True
    assert await tell(provider, new_uow, clock, event) is False
    async with new_uow() as uow:
        assert await uow.ledger.balances() == {}


async def test_news_naming_a_payment_of_another_provider_is_ignored(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = await register_account()
    theirs = await stored_payment(new_uow, clock, payer.id, provider="stripe")
    event = ProviderEvent(
        "evt_y", ProviderEventType.PAYMENT_SUCCEEDED, "pi_z", payment_id=theirs.id
    )
    assert await tell(provider, new_uow, clock, event) is True
    async with new_uow() as uow:
        assert (await uow.payments.get(theirs.id)).status is PaymentStatus.CREATED


async def test_a_capture_with_a_fee_books_the_fee(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = await register_account()
    payment = await opened(new_uow, clock, provider, payer.id)
    assert payment.provider_ref is not None
    event = ProviderEvent(
        "evt_fee",
        ProviderEventType.PAYMENT_SUCCEEDED,
        payment.provider_ref,
        fee=Money(290, "RUB"),
    )
    await tell(provider, new_uow, clock, event)
    async with new_uow() as uow:
        books = await uow.ledger.balances()
        stored = await uow.payments.get(payment.id)
    assert stored.fee == 290
    assert books[(LedgerAccount.PROVIDER_FEES, "RUB")] == 290
    assert books[(LedgerAccount.PROVIDER_CASH, "RUB")] == 10_000 - 290
    assert books[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == -10_000


async def test_the_provider_expiring_a_checkout_expires_the_payment_early(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = await register_account()
    payment = await opened(new_uow, clock, provider, payer.id)
    assert payment.provider_ref is not None
    await tell(provider, new_uow, clock, provider.event(ProviderEventType.PAYMENT_EXPIRED,
                                                        payment.provider_ref))  # fmt: skip
    found = await find_payment(payment.id, uow=new_uow())
    assert found.status is PaymentStatus.EXPIRED


async def test_a_refund_is_sent_with_its_key_and_settles_by_its_own_news(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    payer = await register_account()
    payment = await captured(new_uow, clock, provider, payer.id)
    assert payment.provider_ref is not None
    refund = await refund_payment(
        payment.id, Money(4_000, "RUB"), "changed plans", uow=new_uow(),
        providers={"memory": provider}, clock=clock,
    )  # fmt: skip

    [(ref, sent)] = provider.refunds.items()
    assert (sent.refund_id, sent.amount, sent.idempotency_key) == (
        refund.id,
        Money(4_000, "RUB"),
        refund.idempotency_key,
    )
    assert refund.provider_ref == ref
    failed = provider.event(ProviderEventType.REFUND_FAILED, payment.provider_ref, refund_ref=ref)
    await tell(provider, new_uow, clock, failed)
    stored, refunds = await payment_details(payment.id, viewer=payer.id, uow=new_uow())
    assert refunds[0].status is RefundStatus.FAILED
    assert (stored.refund_pending, stored.refunded) == (0, 0)
    with pytest.raises(NotFound):
        await payment_details(payment.id, viewer=(await register_account()).id, uow=new_uow())


async def test_a_free_or_unpaid_booking_cannot_be_refunded(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    publish: object,
) -> None:
    host, guest = await register_account(), await register_account()
    free = await publish(host)  # type: ignore[operator]
    priced = await publish(host, price=PRICE)  # type: ignore[operator]
    providers = {"memory": provider}
    terms = PaymentTerms(provider="memory")
    kept, _ = await book_seats(BookSeats(free.id, guest.id, 1), uow=new_uow(), clock=clock)
    held, _ = await book_seats(
        BookSeats(priced.id, guest.id, 1), uow=new_uow(), clock=clock, terms=terms
    )

    with pytest.raises(Conflict, match="cancel it instead"):
        await refund_booking(
            CancelBooking(kept.id, guest.id), uow=new_uow(), clock=clock, providers=providers
        )
    with pytest.raises(Conflict, match="this one is pending_payment"):
        await refund_booking(
            CancelBooking(held.id, guest.id), uow=new_uow(), clock=clock, providers=providers
        )
    with pytest.raises(NotFound):
        await refund_booking(
            CancelBooking(held.id, host.id), uow=new_uow(), clock=clock, providers=providers
        )
