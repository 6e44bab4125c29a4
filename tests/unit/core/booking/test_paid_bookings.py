"""Paid bookings: hold, pay, confirm; fail or expire and release; late payments; refunds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.unit.support import (
    HOLD_TERMS,
    PRICE,
    BookHelper,
    NewUow,
    PublishHelper,
    RegisterAccount,
    Relay,
    ReturnUrls,
    book_and_check_out,
)
from tests.unit.support import provider_news as news

from adapters.memory import MemoryNotifier, SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.commands import CancelBooking, CancelEvent
from core.booking.model import Booking, BookingStatus, Event, TicketStatus
from core.booking.services import cancel_booking, cancel_event
from core.identity.model import Account
from core.payments.ledger import LedgerAccount
from core.payments.model import Payment, PaymentId, PaymentStatus, RefundStatus
from core.payments.ports import ProviderEventType
from core.payments.services import (
    expire_payments,
    open_checkout,
    resend_unsent_refunds,
)
from core.shared.money import Money


@pytest.fixture
def paid(new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider) -> Any:
    """Book seats of a priced event and open the checkout: (booking, payment)."""

    async def _paid(event: Event, guest: Account, seats: int = 1) -> tuple[Booking, Payment]:
        return await book_and_check_out(
            event, guest, seats, new_uow=new_uow, clock=clock, provider=provider
        )

    return _paid


async def cancel_paid(
    booking: Booking,
    guest: Account,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    await cancel_booking(
        CancelBooking(booking.id, guest.id),
        uow=new_uow(),
        clock=clock,
        providers={provider.name: provider},
    )


@pytest.fixture
async def unsent_refund(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
) -> tuple[Booking, Payment]:
    """A paid, confirmed booking cancelled while the provider was down, so its refund is unsent;
    the provider is back up."""
    event = await publish(await register_account(), price=PRICE)
    guest = await register_account()
    booking, payment = await paid(event, guest)
    await news(provider, payment, new_uow, clock)
    await relay.drain()
    provider.down = True
    await cancel_paid(booking, guest, new_uow, clock, provider)
    provider.down = False
    return booking, payment


async def load(new_uow: NewUow, booking: Booking) -> tuple[Booking, Event, Payment]:
    async with new_uow() as uow:
        stored = await uow.bookings.get(booking.id)
        event = await uow.events.get(stored.event_id)
        payment = await uow.payments.get(PaymentId(stored.payment_id))
    return stored, event, payment


async def test_booking_a_priced_event_holds_the_seats_without_tickets(
    register_account: RegisterAccount, publish: PublishHelper, paid: Any, new_uow: NewUow
) -> None:
    event = await publish(await register_account(), capacity=5, price=PRICE)
    booking, payment = await paid(event, await register_account(), seats=2)

    stored, live, payment = await load(new_uow, booking)
    assert stored.status is BookingStatus.PENDING_PAYMENT
    assert stored.tickets == []  # no barcode exists before the money does
    assert live.booked == 2
    assert payment.amount == Money(300_000, "RUB")
    assert payment.status is PaymentStatus.PENDING
    assert payment.expires_at == stored.hold_expires_at == stored.created_at + HOLD_TERMS.hold
    assert payment.redirect_url == f"https://pay.example/{payment.provider_ref}"


async def test_opening_a_checkout_twice_asks_the_provider_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    event = await publish(await register_account(), price=PRICE)
    _, payment = await paid(event, await register_account())
    again = await open_checkout(
        payment.id, uow=new_uow(), providers={"memory": provider}, urls=ReturnUrls(), clock=clock
    )
    assert again.provider_ref == payment.provider_ref
    assert provider.calls == [f"checkout {payment.idempotency_key}"]


async def test_a_successful_payment_confirms_the_booking_and_issues_tickets(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
    notifier: MemoryNotifier,
) -> None:
    event = await publish(await register_account(), price=PRICE, title="Gig")
    booking, payment = await paid(event, await register_account(), seats=2)

    assert await news(provider, payment, new_uow, clock) is True
    await relay.drain()

    stored, live, payment = await load(new_uow, booking)
    assert stored.status is BookingStatus.CONFIRMED
    assert [t.status for t in stored.tickets] == [TicketStatus.VALID] * 2
    assert live.booked == 2
    assert payment.status is PaymentStatus.SUCCEEDED
    assert [m.subject for m in notifier.sent] == ["Booked: Gig"]
    async with new_uow() as uow:
        books = await uow.ledger.balances()
    assert books[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == -300_000
    assert books[(LedgerAccount.PROVIDER_CASH, "RUB")] == 300_000


async def test_the_same_webhook_ten_times_confirms_once_and_notifies_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
    notifier: MemoryNotifier,
) -> None:
    event = await publish(await register_account(), price=PRICE)
    booking, payment = await paid(event, await register_account())

    fresh = [await news(provider, payment, new_uow, clock, event_id="evt_same") for _ in range(10)]
    await relay.drain()

    assert fresh == [True] + [False] * 9
    stored, _, payment = await load(new_uow, booking)
    assert stored.status is BookingStatus.CONFIRMED
    assert payment.captured == PRICE.amount
    assert len(notifier.sent) == 1
    async with new_uow() as uow:
        assert len(await uow.ledger.entries()) == 1


@pytest.mark.parametrize("ending", [ProviderEventType.PAYMENT_FAILED, "expiry"])
async def test_a_failed_or_expired_payment_releases_the_seats(
    ending: Any,
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
    notifier: MemoryNotifier,
) -> None:
    event = await publish(await register_account(), capacity=3, price=PRICE, title="Gig")
    booking, payment = await paid(event, await register_account(), seats=3)

    if ending == "expiry":
        clock.advance(HOLD_TERMS.hold)
        assert await expire_payments(uow=new_uow(), clock=clock) == 1
        assert await expire_payments(uow=new_uow(), clock=clock) == 0
    else:
        await news(provider, payment, new_uow, clock, ending, reason="card declined")
    await relay.drain()

    stored, live, payment = await load(new_uow, booking)
    assert stored.status is BookingStatus.EXPIRED
    assert live.booked == 0
    assert payment.status is (PaymentStatus.EXPIRED if ending == "expiry" else PaymentStatus.FAILED)
    assert [m.subject for m in notifier.sent] == ["Not booked: Gig"]


async def test_a_late_payment_confirms_when_the_seats_are_still_free(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
) -> None:
    event = await publish(await register_account(), capacity=2, price=PRICE)
    booking, payment = await paid(event, await register_account(), seats=2)
    clock.advance(HOLD_TERMS.hold)
    await expire_payments(uow=new_uow(), clock=clock)
    await relay.drain()

    await news(provider, payment, new_uow, clock)
    await relay.drain()

    stored, live, payment = await load(new_uow, booking)
    assert stored.status is BookingStatus.CONFIRMED
    assert len(stored.tickets) == 2
    assert live.booked == 2
    assert payment.status is PaymentStatus.SUCCEEDED
    assert provider.refunds == {}


async def test_a_late_payment_for_seats_sold_meanwhile_is_refunded_never_oversold(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
) -> None:
    event = await publish(await register_account(), capacity=1, price=PRICE)
    late, late_payment = await paid(event, await register_account())
    clock.advance(HOLD_TERMS.hold)
    await expire_payments(uow=new_uow(), clock=clock)
    await relay.drain()
    prompt, prompt_payment = await paid(event, await register_account())
    await news(provider, prompt_payment, new_uow, clock)
    await relay.drain()

    await news(provider, late_payment, new_uow, clock)
    await relay.drain()

    stored, live, payment = await load(new_uow, late)
    assert stored.status is BookingStatus.EXPIRED
    assert live.booked == 1  # the prompt payer's seat, and no more
    assert (await load(new_uow, prompt))[0].status is BookingStatus.CONFIRMED
    assert payment.refund_pending == PRICE.amount
    [sent] = provider.refunds.values()
    assert (sent.payment_id, sent.amount) == (payment.id, PRICE)

    refund_ref = next(iter(provider.refunds))
    await news(
        provider, payment, new_uow, clock, ProviderEventType.REFUND_SUCCEEDED, refund_ref=refund_ref
    )
    await relay.drain()
    _, _, payment = await load(new_uow, late)
    assert payment.status is PaymentStatus.REFUNDED
    async with new_uow() as uow:
        books = await uow.ledger.balances()
    assert books[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == -PRICE.amount  # the prompt seat


async def test_a_refund_reported_before_the_success_converges_to_the_same_books(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    event = await publish(await register_account(), price=PRICE)
    booking, payment = await paid(event, await register_account())

    await news(
        provider,
        payment,
        new_uow,
        clock,
        ProviderEventType.REFUND_SUCCEEDED,
        refund_ref="re_dashboard",
        amount=PRICE,
    )
    await news(provider, payment, new_uow, clock)  # the success, delivered late
    await news(provider, payment, new_uow, clock, ProviderEventType.PAYMENT_FAILED)

    _, _, payment = await load(new_uow, booking)
    assert payment.status is PaymentStatus.REFUNDED
    assert (payment.captured, payment.refunded) == (PRICE.amount, PRICE.amount)
    async with new_uow() as uow:
        books = await uow.ledger.balances()
        [refund] = await uow.refunds.for_payment(payment.id)
    assert refund.status is RefundStatus.SUCCEEDED
    assert books[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == 0
    assert books[(LedgerAccount.PROVIDER_CASH, "RUB")] == 0


async def test_cancelling_a_paid_booking_refunds_it_in_full(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
) -> None:
    event = await publish(await register_account(), capacity=3, price=PRICE)
    guest = await register_account()
    booking, payment = await paid(event, guest, seats=2)
    await news(provider, payment, new_uow, clock)
    await relay.drain()

    await cancel_paid(booking, guest, new_uow, clock, provider)

    stored, live, payment = await load(new_uow, booking)
    assert stored.status is BookingStatus.CANCELLED
    assert live.booked == 0
    [sent] = provider.refunds.values()
    assert sent.amount == Money(300_000, "RUB")
    assert payment.refund_pending == 300_000


async def test_cancelling_a_paid_event_refunds_every_paid_guest_once(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Any,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
) -> None:
    host = await register_account()
    event = await publish(host, capacity=5, price=PRICE)
    payments = []
    for _ in range(3):
        _, payment = await paid(event, await register_account())
        await news(provider, payment, new_uow, clock)
        payments.append(payment)
    _, unpaid = await paid(event, await register_account())  # still on hold
    await relay.drain()

    await cancel_event(CancelEvent(event.id, host.id, "flood"), uow=new_uow(), clock=clock)
    await relay.drain()
    await relay.drain()

    refunded = sorted(r.payment_id for r in provider.refunds.values())
    assert refunded == sorted(p.id for p in payments)
    assert unpaid.id not in refunded


async def test_a_refund_the_provider_could_not_take_is_handed_over_later(
    unsent_refund: tuple[Booking, Payment],
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    assert provider.refunds == {}

    providers = {"memory": provider}
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 0
    clock.advance(timedelta(minutes=1))
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 1
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 0
    assert len(provider.refunds) == 1


async def test_a_free_event_books_confirmed_with_tickets_and_no_payment(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    event = await publish(await register_account(), capacity=2)
    booking = await book(event, await register_account(), seats=2)
    assert booking.status is BookingStatus.CONFIRMED
    assert len(booking.tickets) == 2
    assert booking.payment_id is None


async def test_a_refund_the_provider_refuses_outright_is_given_up_and_refundable_again(
    unsent_refund: tuple[Booking, Payment],
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    booking, _ = unsent_refund
    provider.refuse_refunds = "charge already refunded"
    clock.advance(timedelta(minutes=1))
    providers = {"memory": provider}
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 0
    assert await resend_unsent_refunds(uow=new_uow(), providers=providers, clock=clock) == 0

    _, _, payment = await load(new_uow, booking)
    assert (payment.refund_pending, payment.refundable.amount) == (0, PRICE.amount)
    async with new_uow() as uow:
        [refund] = await uow.refunds.for_payment(payment.id)
    assert refund.status is RefundStatus.FAILED
