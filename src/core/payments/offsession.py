"""Payments taken without the payer on a page: from a payment method saved at an earlier
checkout (renewals), and asking the provider how a payment stands when its news may be lost.

The payment, and so its idempotency key, is stored before any call. A timeout leaves it as
it was, and asking again with the same key gets the same charge, made once. Whatever the
provider answers is recorded the way its webhook would be: a capture is booked once.
"""

from __future__ import annotations

from core.payments.model import OPEN, Payment, PaymentId, PaymentStatus
from core.payments.ports import (
    ChargeOutcome,
    OffSessionCharges,
    PaymentsUnitOfWork,
    ProviderStatus,
    ProviderUnavailable,
    SavedMethodCharge,
)
from core.payments.services import Providers, capture, provider_named
from core.shared.clock import Clock
from core.shared.errors import Conflict, DomainError


def off_session_provider(name: str, providers: Providers) -> OffSessionCharges:
    """The provider `name`, when it can charge a saved payment method; Conflict otherwise."""
    provider = provider_named(name, providers)
    if not isinstance(provider, OffSessionCharges):
        raise Conflict(
            f"the payment provider {name!r} cannot charge a saved card, so plans that renew "
            "by themselves are not available with it; choose a one-off plan"
        )
    return provider


def unanswered(payment: Payment) -> bool:
    """An off-session call was (or may have been) made and nothing came back: still open, or
    expired here without the provider ever naming it."""
    return payment.status in OPEN or (
        payment.status is PaymentStatus.EXPIRED and payment.provider_ref is None
    )


async def charge_saved_method(
    payment_id: PaymentId,
    mandate_ref: str,
    *,
    uow: PaymentsUnitOfWork,
    providers: Providers,
    clock: Clock,
) -> ChargeOutcome | None:
    """Take a stored payment from the method saved at checkout `mandate_ref`, payer absent;
    the provider's answer, or None when the payment had its answer already (no call made).

    A provider out of reach raises ProviderUnavailable and changes nothing; one that refuses
    the charge outright (no saved method, a malformed request) fails the payment.
    """
    async with uow:
        payment = await uow.payments.get(payment_id)
    if not unanswered(payment):
        return None
    request = SavedMethodCharge(
        payment_id=payment.id,
        amount=payment.amount,
        description=payment.description,
        mandate_ref=mandate_ref,
        idempotency_key=payment.idempotency_key,
    )
    try:
        outcome = await off_session_provider(payment.provider, providers).charge_saved(request)
    except ProviderUnavailable:
        raise
    except DomainError as refused:  # retrying would not help
        outcome = ChargeOutcome("", ProviderStatus.FAILED, refused.detail)
    await record_outcome(payment_id, outcome, uow=uow, clock=clock)
    return outcome


async def check_with_provider(
    payment_id: PaymentId, *, uow: PaymentsUnitOfWork, providers: Providers, clock: Clock
) -> ChargeOutcome | None:
    """Ask the provider how a payment stands and record it (a lost webhook); None when the
    payment has no reference at the provider to ask about."""
    async with uow:
        payment = await uow.payments.get(payment_id)
    if payment.provider_ref is None:
        return None
    status = await provider_named(payment.provider, providers).fetch_status(payment.provider_ref)
    outcome = ChargeOutcome(payment.provider_ref, status)
    await record_outcome(payment_id, outcome, uow=uow, clock=clock)
    return outcome


async def record_outcome(
    payment_id: PaymentId, outcome: ChargeOutcome, *, uow: PaymentsUnitOfWork, clock: Clock
) -> Payment:
    """Apply what the provider said about a payment, as its webhook would: a success wins
    (also after an expiry here), a failure closes an open payment, PENDING waits."""
    now = clock.now()
    async with uow:
        payment = await uow.payments.get_for_update(payment_id)
        if outcome.provider_ref:
            payment.attach(outcome.provider_ref, now)
        if outcome.status is ProviderStatus.SUCCEEDED:
            await capture(payment, None, uow, now)
        elif outcome.status is ProviderStatus.FAILED:
            payment.fail(outcome.reason or "declined", now)
        elif outcome.status is ProviderStatus.EXPIRED:
            payment.expire(max(now, payment.expires_at))
        await uow.payments.save(payment)
        await uow.commit()
    return payment
