"""Refunds of paid bookings at their edges: what is left to give back (all, one kopeck,
nothing), which payments an event's cancellation refunds, and the words a guest is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.commands import BookSeats, CancelBooking
from core.booking.model import Booking, BookingStatus, Event
from core.booking.paid import confirm_paid_booking, refund_event_bookings
from core.booking.services import book_seats, cancel_booking, refund_booking
from core.identity.model import Account
from core.payments.model import Payment, PaymentId, PaymentStatus, RefundStatus
from core.payments.ports import ProviderEventType
from core.payments.services import (
    PaymentTerms,
    open_checkout,
    record_provider_event,
    refund_payment,
)
from core.shared.errors import Conflict
from core.shared.money import Money

PRICE = Money(150_000, "RUB")
TERMS = PaymentTerms(provider="memory", hold=timedelta(minutes=15))


class Urls:
    def success(self, payment_id: PaymentId) -> str:
        return f"https://stagedoor.test/pay/return/{payment_id}"

    def cancel(self, payment_id: PaymentId) -> str:
        return f"https://stagedoor.test/pay/return/{payment_id}?cancelled=1"


class Paid:
    """Books seats of a priced event, opens the checkout and, unless told not to, pays."""

    def __init__(
        self, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
    ) -> None:
        self.new_uow, self.clock, self.provider = new_uow, clock, provider

    async def __call__(
        self, event: Event, guest: Account, *, pay: bool = True
    ) -> tuple[Booking, Payment]:
        booking, _ = await book_seats(
            BookSeats(event.id, guest.id, 1), uow=self.new_uow(), clock=self.clock, terms=TERMS
        )
        assert booking.payment_id is not None
        payment = await open_checkout(
            PaymentId(booking.payment_id),
            uow=self.new_uow(),
            providers={"memory": self.provider},
            urls=Urls(),
            clock=self.clock,
        )
        if pay:
            assert payment.provider_ref is not None
            news = self.provider.event(ProviderEventType.PAYMENT_SUCCEEDED, payment.provider_ref)
            await record_provider_event(
                news, provider="memory", uow=self.new_uow(), clock=self.clock
            )
            await self.confirm(booking)
        return booking, payment

    async def confirm(self, booking: Booking) -> None:
        """What the payment.succeeded handler does, without running the whole outbox."""
        await confirm_paid_booking(
            booking.id,
            uow=self.new_uow(),
            clock=self.clock,
            providers={"memory": self.provider},
        )

    async def refund(self, payment: Payment, amount: int) -> None:
        await refund_payment(
            payment.id, Money(amount, "RUB"), "goodwill", uow=self.new_uow(),
            providers={"memory": self.provider}, clock=self.clock,
        )  # fmt: skip


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
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    event = await publish(await register_account(), capacity=2, price=PRICE)
    booking, payment = await paid(event, guest)

    refunded = await refund_booking(
        CancelBooking(booking.id, guest.id), uow=new_uow(), clock=clock,
        providers={"memory": provider},
    )  # fmt: skip

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
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    guest, host = await register_account(), await register_account()
    free = await book(await publish(host), guest)
    held, _ = await paid(await publish(host, price=PRICE), guest, pay=False)
    providers = {"memory": provider}

    with pytest.raises(Conflict) as caught_free:
        await refund_booking(
            CancelBooking(free.id, guest.id), uow=new_uow(), clock=clock, providers=providers
        )
    assert caught_free.value.detail == (
        "this booking was free, so there is nothing to refund; cancel it instead"
    )
    with pytest.raises(Conflict) as caught_held:
        await refund_booking(
            CancelBooking(held.id, guest.id), uow=new_uow(), clock=clock, providers=providers
        )
    assert caught_held.value.detail == (
        "only a paid, confirmed booking can be refunded; this one is pending_payment"
    )
    assert provider.refunds == {}


async def test_cancelling_a_free_booking_with_providers_at_hand_refunds_nothing(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    booking = await book(await publish(await register_account()), guest)
    cancelled = await cancel_booking(
        CancelBooking(booking.id, guest.id), uow=new_uow(), clock=clock,
        providers={"memory": provider},
    )  # fmt: skip
    assert cancelled.status is BookingStatus.CANCELLED
    assert provider.calls == []


async def test_cancelling_gives_back_even_a_single_kopeck_left_on_the_payment(
    register_account: RegisterAccount,
    publish: PublishHelper,
    paid: Paid,
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    booking, payment = await paid(await publish(await register_account(), price=PRICE), guest)
    await paid.refund(payment, PRICE.amount - 1)

    await cancel_booking(
        CancelBooking(booking.id, guest.id), uow=new_uow(), clock=clock,
        providers={"memory": provider},
    )  # fmt: skip

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
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
) -> None:
    guest = await register_account()
    booking, payment = await paid(await publish(await register_account(), price=PRICE), guest)
    await paid.refund(payment, PRICE.amount)
    calls = len(provider.calls)

    cancelled = await cancel_booking(
        CancelBooking(booking.id, guest.id), uow=new_uow(), clock=clock,
        providers={"memory": provider},
    )  # fmt: skip

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
