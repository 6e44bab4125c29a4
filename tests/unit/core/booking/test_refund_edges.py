"""Refunds of paid bookings at their edges: what is left to give back (all, one kopeck,
nothing), which payments an event's cancellation refunds, and the words a guest is shown."""

from __future__ import annotations

import pytest
from tests.unit.support import (
    PRICE,
    BookHelper,
    NewUow,
    PublishHelper,
    RegisterAccount,
    book_and_check_out,
    provider_news,
)

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.commands import CancelBooking
from core.booking.model import Booking, BookingStatus, Event
from core.booking.paid import confirm_paid_booking, refund_event_bookings
from core.booking.services import cancel_booking, refund_booking
from core.identity.model import Account
from core.payments.model import Payment, PaymentStatus, RefundStatus
from core.payments.services import refund_payment
from core.shared.errors import Conflict
from core.shared.money import Money


class Paid:
    """Books a seat of a priced event, opens the checkout and, unless told not to, pays; then
    cancels or refunds with the provider at hand."""

    def __init__(
        self, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
    ) -> None:
        self.new_uow, self.clock, self.provider = new_uow, clock, provider
        self.providers = {provider.name: provider}

    async def __call__(
        self, event: Event, guest: Account, *, pay: bool = True
    ) -> tuple[Booking, Payment]:
        booking, payment = await book_and_check_out(
            event, guest, 1, new_uow=self.new_uow, clock=self.clock, provider=self.provider
        )
        if pay:
            await provider_news(self.provider, payment, self.new_uow, self.clock)
            await self.confirm(booking)
        return booking, payment

    async def confirm(self, booking: Booking) -> None:
        """What the payment.succeeded handler does, without running the whole outbox."""
        await confirm_paid_booking(
            booking.id, uow=self.new_uow(), clock=self.clock, providers=self.providers
        )

    async def refund(self, payment: Payment, amount: int) -> None:
        await refund_payment(
            payment.id, Money(amount, "RUB"), "goodwill", uow=self.new_uow(),
            providers=self.providers, clock=self.clock,
        )  # fmt: skip

    async def cancel_booking(self, booking: Booking, guest: Account) -> Booking:
        return await cancel_booking(
            CancelBooking(booking.id, guest.id),
            uow=self.new_uow(),
            clock=self.clock,
            providers=self.providers,
        )

    async def refund_booking(self, booking: Booking, guest: Account) -> Booking:
        return await refund_booking(
            CancelBooking(booking.id, guest.id),
            uow=self.new_uow(),
            clock=self.clock,
            providers=self.providers,
        )


@pytest.fixture
def paid(new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider) -> Paid:
    return Paid(new_uow, clock, provider)


async def payment_of(new_uow: NewUow, payment: Payment) -> Payment:
    async with new_uow() as uow:
        return await uow.payments.get(payment.id)


async def test_refunding_a_paid_booking_cancels_it_and_sends_the_whole_price_back(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Paid,
    new_uow: NewUow,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    event = await publish(await register_account(), capacity=2, price=PRICE)
    booking, payment = await paid(event, guest)

    refunded = await paid.refund_booking(booking, guest)

    assert (refunded.id, refunded.status) == (booking.id, BookingStatus.CANCELLED)
    [(ref, sent)] = provider.refunds.items()
    assert (sent.payment_id, sent.amount, sent.reason) == (
        payment.id,
        PRICE,
        "booking cancelled by the guest",
    )
    async with new_uow() as uow:
        [stored] = await uow.refunds.for_payment(payment.id)
        live = await uow.events.get(event.id)
    assert (stored.provider_ref, stored.status) == (ref, RefundStatus.PENDING)
    assert live.booked == 0


async def test_refund_refusals_tell_the_guest_what_to_do_instead(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Paid,
    book: BookHelper,
    provider: MemoryPaymentProvider,
) -> None:
    guest, host = await register_account(), await register_account()
    free = await book(await publish(host), guest)
    held, _ = await paid(await publish(host, price=PRICE), guest, pay=False)

    with pytest.raises(Conflict) as caught_free:
        await paid.refund_booking(free, guest)
    assert caught_free.value.detail == (
        "this booking was free, so there is nothing to refund; cancel it instead"
    )
    with pytest.raises(Conflict) as caught_held:
        await paid.refund_booking(held, guest)
    assert caught_held.value.detail == (
        "only a paid, confirmed booking can be refunded; this one is pending_payment"
    )
    assert provider.refunds == {}


async def test_cancelling_a_free_booking_with_providers_at_hand_refunds_nothing(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    paid: Paid,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    booking = await book(await publish(await register_account()), guest)
    cancelled = await paid.cancel_booking(booking, guest)
    assert cancelled.status is BookingStatus.CANCELLED
    assert provider.calls == []


async def test_cancelling_gives_back_even_a_single_kopeck_left_on_the_payment(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Paid,
    new_uow: NewUow,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    booking, payment = await paid(await publish(await register_account(), price=PRICE), guest)
    await paid.refund(payment, PRICE.amount - 1)

    await paid.cancel_booking(booking, guest)

    assert [r.amount for r in provider.refunds.values()] == [
        Money(PRICE.amount - 1, "RUB"),
        Money(1, "RUB"),
    ]
    assert (await payment_of(new_uow, payment)).refundable == Money(0, "RUB")


async def test_cancelling_a_booking_whose_money_already_went_back_asks_for_no_refund(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Paid,
    new_uow: NewUow,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    booking, payment = await paid(await publish(await register_account(), price=PRICE), guest)
    await paid.refund(payment, PRICE.amount)
    calls = len(provider.calls)

    cancelled = await paid.cancel_booking(booking, guest)

    assert cancelled.status is BookingStatus.CANCELLED
    assert len(provider.calls) == calls
    assert (await payment_of(new_uow, payment)).refund_pending == PRICE.amount


async def test_an_event_cancellation_refunds_what_is_left_on_each_paid_booking_only(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Paid,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    event = await publish(await register_account(), capacity=5, price=PRICE)
    _, whole = await paid(event, await register_account())
    _, unpaid = await paid(event, await register_account(), pay=False)
    _, given_back = await paid(event, await register_account())
    await paid.refund(given_back, PRICE.amount)
    _, kopeck = await paid(event, await register_account())
    await paid.refund(kopeck, PRICE.amount - 1)
    before = set(provider.refunds)

    count = await refund_event_bookings(
        event.id, uow=new_uow(), clock=clock, providers={"memory": provider}
    )

    assert count == 2
    made = [r for ref, r in provider.refunds.items() if ref not in before]  # in sending order
    assert [(r.payment_id, r.amount, r.reason) for r in made] == [
        (whole.id, PRICE, "the event was cancelled"),
        (kopeck.id, Money(1, "RUB"), "the event was cancelled"),
    ]
    assert (await payment_of(new_uow, unpaid)).status is PaymentStatus.PENDING
    again = await refund_event_bookings(
        event.id, uow=new_uow(), clock=clock, providers={"memory": provider}
    )
    assert again == 0  # nothing is left on any of them
