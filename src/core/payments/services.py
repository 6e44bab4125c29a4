"""Payment use cases: open a checkout, record what the provider says, refund, expire.

Calls to the provider happen between transactions, never inside one: what a call needs (its
idempotency key above all) is committed first, so that a timeout followed by a retry asks the
provider for the same thing twice and gets it once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from core.identity.model import AccountId
from core.payments import ledger
from core.payments.model import CAPTURED, OPEN, Payment, PaymentId, Payout, Refund
from core.payments.ports import (
    CheckoutRequest,
    PaymentProvider,
    PaymentsUnitOfWork,
    PayoutRequest,
    ProviderEvent,
    ProviderEventType,
    ProviderUnavailable,
    RefundRequest,
)
from core.shared.clock import Clock
from core.shared.errors import Conflict, DomainError, NotFound
from core.shared.money import Money

UNSENT_REFUND_GRACE = timedelta(seconds=30)


Providers = Mapping[str, PaymentProvider]
"""The configured providers by name; a payment goes back to the provider that took it."""


def provider_named(name: str, providers: Providers) -> PaymentProvider:
    try:
        return providers[name]
    except KeyError:
        raise ProviderUnavailable(f"the payment provider {name!r} is not configured") from None


class ReturnUrls(Protocol):
    """Where the provider sends the payer back to: the service's own pages."""

    def success(self, payment_id: PaymentId) -> str: ...

    def cancel(self, payment_id: PaymentId) -> str: ...


@attrs.frozen
class PaymentTerms:
    """How the platform takes money: which provider, and how long a held order waits."""

    provider: str = "sandbox"
    hold: timedelta = timedelta(minutes=15)


async def payment_details(
    payment_id: PaymentId, *, viewer: AccountId, uow: PaymentsUnitOfWork
) -> tuple[Payment, list[Refund]]:
    """A payment and its refunds, for its payer only."""
    async with uow:
        payment = await uow.payments.get(payment_id)
        if payment.payer_id != viewer:
            raise NotFound("payment not found")
        return payment, await uow.refunds.for_payment(payment.id)


async def find_payment(payment_id: PaymentId, *, uow: PaymentsUnitOfWork) -> Payment:
    """A payment by its id alone: for the page a provider sends the payer back to, which
    shows its status to whoever holds the (unguessable) id, like a receipt link."""
    async with uow:
        return await uow.payments.get(payment_id)


async def open_checkout(
    payment_id: PaymentId,
    *,
    uow: PaymentsUnitOfWork,
    providers: Providers,
    urls: ReturnUrls,
    clock: Clock,
    save_method: bool = False,
) -> Payment:
    """Ask the provider for its hosted page; an open payment keeps the page it has.

    `save_method` asks the provider to keep the payer's payment method for charges made
    later without them (`core.payments.offsession`)."""
    async with uow:
        payment = await uow.payments.get(payment_id)
    if payment.redirect_url is not None or payment.status not in OPEN:
        return payment
    checkout = await provider_named(payment.provider, providers).create_checkout(
        CheckoutRequest(
            payment_id=payment.id,
            amount=payment.amount,
            description=payment.description,
            return_url=urls.success(payment.id),
            cancel_url=urls.cancel(payment.id),
            expires_at=payment.expires_at,
            idempotency_key=payment.idempotency_key,
            save_method=save_method,
        )
    )
    async with uow:
        payment = await uow.payments.get_for_update(payment_id)
        payment.open(checkout.provider_ref, checkout.redirect_url, clock.now())
        await uow.payments.save(payment)
        await uow.commit()
    return payment


async def record_provider_event(
    event: ProviderEvent, *, provider: str, uow: PaymentsUnitOfWork, clock: Clock
) -> bool:
    """Apply a verified webhook once; replays, concurrent twins and stale news are no-ops.

    Returns whether the event was new. An event about a payment this platform does not know
    is remembered and otherwise ignored.
    """
    now = clock.now()
    async with uow:
        if not await uow.provider_events.claim(provider, event.id, now):
            return False
        payment = await _payment_of(event, provider, uow)
        if payment is not None:
            if payment.provider_ref is None and event.provider_ref:  # its call never answered
                payment.attach(event.provider_ref, now)
            await _apply(event, payment, uow, now)
            await uow.payments.save(payment)
        await uow.commit()
    return True


async def _payment_of(
    event: ProviderEvent, provider: str, uow: PaymentsUnitOfWork
) -> Payment | None:
    if event.payment_id is not None:
        try:
            payment = await uow.payments.get_for_update(event.payment_id)
        except NotFound:
            return None
        return payment if payment.provider == provider else None
    return await uow.payments.find_by_provider_ref(provider, event.provider_ref)


async def _apply(
    event: ProviderEvent, payment: Payment, uow: PaymentsUnitOfWork, now: datetime
) -> None:
    kind = event.type
    if kind is ProviderEventType.PAYMENT_FAILED:
        payment.fail(event.reason or "declined", now)
    elif kind is ProviderEventType.PAYMENT_EXPIRED:
        payment.expire(max(now, payment.expires_at))
    elif kind is ProviderEventType.PAYMENT_SUCCEEDED:
        await capture(payment, event.fee, uow, now)
    else:  # a refund can only follow a capture, whatever order the news came in
        await capture(payment, None, uow, now)
        await _settle_refund(event, payment, uow, now)


async def capture(
    payment: Payment, fee: Money | None, uow: PaymentsUnitOfWork, now: datetime
) -> None:
    """Inside a transaction: the provider took the money; booked in the ledger once."""
    if payment.succeed(now, fee=fee):
        await uow.ledger.post(ledger.capture(payment.id, payment.amount, now))
        if fee is not None and fee.amount > 0:
            await uow.ledger.post(ledger.fee(payment.id, fee, now))


async def _settle_refund(
    event: ProviderEvent, payment: Payment, uow: PaymentsUnitOfWork, now: datetime
) -> None:
    succeeded = event.type is ProviderEventType.REFUND_SUCCEEDED
    refund = await _refund_of(event, uow)
    if refund is None:  # made at the provider's own dashboard: account for it all the same
        if not succeeded:
            return
        refund = payment.request_refund(event.amount, "refunded at the provider", now)
        await uow.refunds.add(refund)
    if payment.settle_refund(refund, succeeded, now) and succeeded:
        await uow.ledger.post(ledger.refund(refund.id, refund.amount, now))
    if refund.provider_ref is None:
        refund.provider_ref = event.refund_ref
    await uow.refunds.save(refund)


async def _refund_of(event: ProviderEvent, uow: PaymentsUnitOfWork) -> Refund | None:
    if event.refund_id is not None:
        try:
            return await uow.refunds.get(event.refund_id)
        except NotFound:
            pass
    if event.refund_ref is not None:
        return await uow.refunds.find_by_provider_ref(event.refund_ref)
    return None


async def reserve_refund(
    payment_id: PaymentId, reason: str, uow: PaymentsUnitOfWork, now: datetime
) -> Refund | None:
    """Inside a transaction: set aside a refund of what is left on a captured payment (None
    when nothing is). The provider is asked after the commit, by `hand_over_refund`."""
    payment = await uow.payments.get_for_update(payment_id)
    if payment.status not in CAPTURED or payment.refundable.amount <= 0:
        return None
    refund = payment.request_refund(None, reason, now)
    await uow.refunds.add(refund)
    await uow.payments.save(payment)
    return refund


async def hand_over_refund(
    refund: Refund, *, uow: PaymentsUnitOfWork, providers: Providers
) -> None:
    """After the commit: send a reserved refund. If the provider is out of reach the refund
    stays pending, and `resend_unsent_refunds` hands it over later."""
    async with uow:
        payment = await uow.payments.get(refund.payment_id)
    with contextlib.suppress(ProviderUnavailable):
        await send_refund(refund, payment, uow=uow, providers=providers)


async def refund_payment(
    payment_id: PaymentId,
    amount: Money | None,
    reason: str,
    *,
    uow: PaymentsUnitOfWork,
    providers: Providers,
    clock: Clock,
) -> Refund:
    """Give money back (all that is left when `amount` is None) through the provider."""
    async with uow:
        payment = await uow.payments.get_for_update(payment_id)
        refund = payment.request_refund(amount, reason, clock.now())
        await uow.refunds.add(refund)
        await uow.payments.save(payment)
        await uow.commit()
    return await send_refund(refund, payment, uow=uow, providers=providers)


async def send_refund(
    refund: Refund, payment: Payment, *, uow: PaymentsUnitOfWork, providers: Providers
) -> Refund:
    """Hand a stored refund to the provider; safe to repeat (its idempotency key is fixed)."""
    if payment.provider_ref is None:
        raise Conflict("the payment has no reference at the provider to refund against")
    provider_ref = await provider_named(payment.provider, providers).refund(
        RefundRequest(
            payment_id=payment.id,
            refund_id=refund.id,
            provider_ref=payment.provider_ref,
            amount=refund.amount,
            reason=refund.reason,
            idempotency_key=refund.idempotency_key,
        )
    )
    async with uow:
        stored = await uow.refunds.get(refund.id)
        if stored.provider_ref is None:
            stored.provider_ref = provider_ref
            await uow.refunds.save(stored)
            await uow.commit()
    return stored


async def expire_payments(*, uow: PaymentsUnitOfWork, clock: Clock, limit: int = 100) -> int:
    """Close open payments whose time ran out (each in its own transaction); how many."""
    now = clock.now()
    async with uow:
        due = await uow.payments.due_to_expire(now, limit)
    expired = 0
    for payment_id in due:
        async with uow:
            payment = await uow.payments.get_for_update(payment_id)
            if payment.expire(now):
                await uow.payments.save(payment)
                await uow.commit()
                expired += 1
    return expired


async def resend_unsent_refunds(
    *, uow: PaymentsUnitOfWork, providers: Providers, clock: Clock, limit: int = 50
) -> int:
    """Retry refunds whose provider call never came back (a crash, a timeout); how many
    were handed over. A provider that is still down is tried again on the next run."""
    async with uow:
        stuck = await uow.refunds.unsent(clock.now() - UNSENT_REFUND_GRACE, limit)
        payments = {pid: await uow.payments.get(pid) for pid in {r.payment_id for r in stuck}}
    sent = 0
    for refund in stuck:
        try:
            await send_refund(refund, payments[refund.payment_id], uow=uow, providers=providers)
        except ProviderUnavailable:
            continue
        except DomainError:  # the provider refuses it outright: retrying would not help
            await abandon_refund(refund, uow=uow, clock=clock)
            continue
        sent += 1
    return sent


async def resend_unsent_payouts(
    *, uow: PaymentsUnitOfWork, providers: Providers, clock: Clock, limit: int = 50
) -> int:
    """Retry payouts whose provider call failed or never came back (their stored key makes
    the money leave once); how many were paid. A provider still down is tried again on the
    next run; one that refuses a payout outright marks it failed, for a person to look at."""
    async with uow:
        stuck = await uow.payouts.unsent(clock.now() - UNSENT_REFUND_GRACE, limit)
    paid = 0
    for payout in stuck:
        try:
            await send_payout(
                payout, provider=payout.provider, uow=uow, providers=providers, clock=clock
            )
        except ProviderUnavailable:
            continue
        except DomainError:
            async with uow:
                stored = await uow.payouts.get_for_update(payout.id)
                if stored.mark_failed(clock.now()):
                    await uow.payouts.save(stored)
                    await uow.commit()
            continue
        paid += 1
    return paid


async def abandon_refund(refund: Refund, *, uow: PaymentsUnitOfWork, clock: Clock) -> None:
    """Record that a refund will not happen (the provider refused it): its amount becomes
    refundable again, for a person to look at."""
    async with uow:
        payment = await uow.payments.get_for_update(refund.payment_id)
        stored = await uow.refunds.get(refund.id)
        if payment.settle_refund(stored, False, clock.now()):
            await uow.refunds.save(stored)
            await uow.payments.save(payment)
            await uow.commit()


async def pay_out(
    account_id: AccountId,
    amount: Money,
    reason: str,
    *,
    provider: str,
    uow: PaymentsUnitOfWork,
    providers: Providers,
    clock: Clock,
) -> Payout:
    """Send money from the platform's provider balance to an account (a resale seller).

    The payout and its idempotency key are stored first; the provider call follows; when it
    answers, the payout is marked paid and posted to the ledger. A retry of a payout whose
    call failed reuses the stored key, so the money leaves once.
    """
    payout = Payout.create(account_id, amount, reason, clock.now(), provider)
    async with uow:
        await uow.payouts.add(payout)
        await uow.commit()
    return await send_payout(payout, provider=provider, uow=uow, providers=providers, clock=clock)


async def send_payout(
    payout: Payout, *, provider: str, uow: PaymentsUnitOfWork, providers: Providers, clock: Clock
) -> Payout:
    """Hand a stored payout to the provider (again, if need be) and book it when it is paid."""
    reference = await provider_named(provider, providers).payout(
        PayoutRequest(payout.id, payout.account_id, payout.amount, payout.idempotency_key)
    )
    now = clock.now()
    async with uow:  # re-read under a lock: a resend may be booking the same payout
        stored = await uow.payouts.get_for_update(payout.id)
        if stored.mark_paid(reference, now):
            await uow.payouts.save(stored)
            await uow.ledger.post(ledger.payout(stored.id, stored.amount, now))
            await uow.commit()
    return stored
