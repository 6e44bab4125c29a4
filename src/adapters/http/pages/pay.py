"""Payment pages: the sandbox provider's hosted page, and where payers come back to.

`/pay/sandbox/{intent}` stands in for a provider's own checkout page (only the sandbox has
one here; Stripe hosts its own). `/pay/return/{payment}` is the service's page the provider
sends the payer back to: it tells how the payment and the booking stand and refreshes itself
while the provider's webhook is on its way.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import attrs
import msgspec
from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from core.booking.model import BookingId, BookingStatus
from core.payments.model import Payment, PaymentId, PaymentStatus, Purpose
from core.payments.services import find_payment
from core.shared.errors import Conflict, ValidationFailed
from core.subscriptions.billing import InvoiceId, InvoiceStatus
from core.subscriptions.charge import ChargeId, ChargeStatus


class PayForm(msgspec.Struct):
    action: str = "pay"
    card_number: str = ""


@attrs.frozen
class Outcome:
    state: str
    headline: str
    message: str
    tone: str  # ok | wait | error
    refresh: bool = False
    link: str = ""  # where the payer goes on from here, when not back to a booking


WAITING = (PaymentStatus.CREATED, PaymentStatus.PENDING)
REFUNDED = Outcome("refunded", "Payment refunded", "This payment was refunded.", "ok")


def _waiting(cancelled: bool) -> Outcome:
    """A payment with no result yet: the payer left the provider's page, or it is on its way."""
    if cancelled:
        return Outcome(
            "cancelled",
            "Payment cancelled",
            "You left the payment page; nothing was charged.",
            "error",
            refresh=True,
        )
    return Outcome(
        "processing",
        "Waiting for the payment",
        "The payment provider has not told us the result yet.",
        "wait",
        refresh=True,
    )


def _outcome(payment: Payment, booking: BookingStatus | None, cancelled: bool) -> Outcome:
    status = payment.status
    if status in WAITING:
        return _waiting(cancelled)
    if status is PaymentStatus.FAILED:
        reason = (payment.failure_reason or "declined").replace("_", " ")
        return Outcome(
            "declined",
            "Payment declined",
            f"The payment did not go through "
            f"({reason}). Nothing was charged; the seats were released.",
            "error",
        )
    if status is PaymentStatus.EXPIRED:
        return Outcome(
            "expired",
            "Payment expired",
            "The time to pay ran out and the seats were released.",
            "error",
        )
    if status is not PaymentStatus.SUCCEEDED:
        return REFUNDED
    if booking is BookingStatus.CONFIRMED or booking is None:
        return Outcome(
            "confirmed",
            "Booking confirmed",
            "Payment received. Your booking is confirmed and your tickets are in your bookings.",
            "ok",
        )
    if booking is BookingStatus.PENDING_PAYMENT:
        return Outcome(
            "confirming", "Payment received", "Confirming your booking…", "wait", refresh=True
        )
    return Outcome(
        "refunding",
        "Payment received, seats gone",
        "The seats were no longer "
        "available when the payment arrived, so it is being refunded in full.",
        "error",
    )


async def _paid_for(payment: Payment, platform: PlatformDep, cancelled: bool) -> Outcome:
    """How a subscription's or an invoice's payment stands, for the payer coming back."""
    if payment.status in WAITING:
        return _waiting(cancelled)
    if payment.status in (PaymentStatus.FAILED, PaymentStatus.EXPIRED):
        return _unpaid(payment)
    if payment.status is not PaymentStatus.SUCCEEDED:  # refunded since: not "active" any more
        return REFUNDED
    if not await _settled(payment, platform):
        return Outcome("confirming", "Payment received", "Bringing it in…", "wait", refresh=True)
    if payment.purpose is Purpose.BILLING:
        return Outcome(
            "invoice_paid", "Invoice paid", "Thank you: the invoice is paid.", "ok",
            link="/billing",
        )  # fmt: skip
    return Outcome(
        "subscribed",
        "Subscription paid",
        "Payment received: your subscription is active.",
        "ok",
        link="/subscriptions",
    )


def _unpaid(payment: Payment) -> Outcome:
    reason = (payment.failure_reason or "the time to pay ran out").replace("_", " ")
    return Outcome(
        "declined", "Payment not made", f"The payment did not go through ({reason}); nothing "
        "was charged. You can try again from your page.", "error",
    )  # fmt: skip


async def _settled(payment: Payment, platform: PlatformDep) -> bool:
    """Has the subscription or invoice taken this payment in yet (its handler ran)?"""
    async with platform.new_uow() as uow:
        if payment.purpose is Purpose.BILLING:
            invoice = await uow.invoices.find(InvoiceId(payment.reference_id))
            return invoice is not None and invoice.status is not InvoiceStatus.OPEN
        charge = await uow.charges.find(ChargeId(payment.reference_id))
        return charge is not None and charge.status is not ChargeStatus.OPEN


class PayPages(Controller):
    path = "/pay"
    include_in_schema = False

    @get("/sandbox/{intent_id:str}")
    async def sandbox_page(self, intent_id: FromPath[str], platform: PlatformDep) -> Template:
        intent = await platform.sandbox.show(intent_id)
        return _checkout(intent, platform)

    @post("/sandbox/{intent_id:str}", status_code=303)
    async def sandbox_submit(
        self,
        intent_id: FromPath[str],
        data: Annotated[PayForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        platform: PlatformDep,
    ) -> Redirect | Template:
        sandbox = platform.sandbox
        try:
            if data.action == "cancel":
                intent = await sandbox.cancel(intent_id)
                return Redirect(intent.cancel_url, status_code=303)
            intent = await sandbox.pay(intent_id, data.card_number)
        except (ValidationFailed, Conflict) as exc:
            intent = await sandbox.show(intent_id)
            return _checkout(intent, platform, error=exc.detail, card=data.card_number, status=422)
        return Redirect(intent.return_url, status_code=303)

    @get("/return/{payment_id:uuid}")
    async def result(
        self, payment_id: FromPath[UUID], platform: PlatformDep, cancelled: FromQuery[int] = 0
    ) -> Template | Redirect:
        payment = await find_payment(PaymentId(payment_id), uow=platform.new_uow())
        if payment.purpose is Purpose.RESALE:  # its purchase page tells how the sale stands
            return Redirect(f"/resale/purchases/{payment.reference_id}", status_code=303)
        if payment.purpose in (Purpose.SUBSCRIPTION, Purpose.BILLING):
            outcome = await _paid_for(payment, platform, bool(cancelled))
        else:
            booking = None
            if payment.purpose is Purpose.BOOKING:
                async with platform.new_uow() as uow:
                    booking = (await uow.bookings.get(BookingId(payment.reference_id))).status
            outcome = _outcome(payment, booking, bool(cancelled))
        return Template(
            template_name="pay/result.html",
            context={**attrs.asdict(outcome), "payment": payment, "amount": str(payment.amount)},
        )


def _checkout(
    intent: Any, platform: PlatformDep, *, error: str = "", card: str = "", status: int = 200
) -> Template:
    expired = platform.clock.now() >= intent.expires_at
    return Template(
        template_name="pay/sandbox.html",
        context={
            "intent": intent,
            "amount": str(intent.amount),
            "expired": expired,
            "error": error,
            "card_number": card,
        },
        status_code=status,
    )
