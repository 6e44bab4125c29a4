"""The renewal job: renew what is due, retry what failed, end what ran out.

Run it as often as you like, from as many workers as you like: each subscription it wakes is
locked while it is looked at, its renewal for a period is one charge (unique per
subscription and period start, written before the provider is asked) and a new attempt is
made only when the last one failed. Running the job twice for one period charges once; a
provider timeout leaves the attempt to be asked again with the same idempotency key.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import attrs

from core.payments.model import OPEN, Payment, PaymentId
from core.payments.services import Providers
from core.shared.clock import Clock
from core.shared.errors import Conflict
from core.subscriptions.charge import Charge, ChargeKind, ChargeStatus
from core.subscriptions.charges import (
    ATTEMPT_LEASE,
    PENDING_RECHECK,
    confirm_lapsed,
    lapsed,
    new_attempt,
    send_attempt,
    settle,
)
from core.subscriptions.model import Subscription, SubscriptionId, SubscriptionStatus
from core.subscriptions.plans import Plan
from core.subscriptions.ports import SubscriptionsUnitOfWork

UNPAID = "the renewal was not paid"


@attrs.frozen
class _Next:
    """What to do after the commit: ask the provider for an attempt, or ask it whether an
    attempt that expired here took anything."""

    send: PaymentId | None = None
    confirm: PaymentId | None = None


async def renew_due(
    *, uow: SubscriptionsUnitOfWork, providers: Providers, clock: Clock, limit: int = 50
) -> int:
    """Look at every subscription whose time has come (one transaction each); how many."""
    async with uow:
        due = await uow.subscriptions.due(clock.now(), limit)
    for subscription_id in due:
        with contextlib.suppress(Conflict):  # a twin job got there first; it is in hand
            await advance(subscription_id, uow=uow, providers=providers, clock=clock)
    return len(due)


async def advance(
    subscription_id: SubscriptionId,
    *,
    uow: SubscriptionsUnitOfWork,
    providers: Providers,
    clock: Clock,
) -> None:
    """Take one subscription one step: settle its last attempt's news, then renew, retry,
    end or cancel it as its time says. A subscription someone else already moved on, or
    woken early, is left as it is."""
    now = clock.now()
    async with uow:
        subscription = await uow.subscriptions.get_for_update(subscription_id)
        if subscription.next_action_at is None or subscription.next_action_at > now:
            return
        plan = await uow.plans.get(subscription.plan_id)
        step = await _step(subscription, plan, uow, now)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    if step.send is not None:
        await send_attempt(
            step.send, subscription.mandate_ref, uow=uow, providers=providers, clock=clock
        )
    if step.confirm is not None:
        await confirm_lapsed(
            step.confirm, subscription.mandate_ref, uow=uow, providers=providers, clock=clock
        )


async def _step(
    subscription: Subscription, plan: Plan, uow: SubscriptionsUnitOfWork, now: datetime
) -> _Next:
    charge = await uow.charges.open_of(subscription.id)
    if charge is not None and charge.payment_id is not None:
        payment = await uow.payments.get_for_update(charge.payment_id)
        await settle(subscription, charge, payment, uow, now)  # owed: nothing to refund
        await uow.charges.save(charge)
        if charge.status is ChargeStatus.OPEN:
            return await _follow(subscription, plan, charge, payment, uow, now)
        return _Next()
    if subscription.end(plan, now):
        return _Next()
    if subscription.renewal_due(now) and subscription.status is SubscriptionStatus.ACTIVE:
        assert subscription.period_end is not None
        renewal = Charge.open(
            subscription, ChargeKind.RENEWAL, plan, plan.price, now,
            period_start=subscription.period_end,
        )  # fmt: skip
        payment = await new_attempt(subscription, renewal, plan, uow, now)
        await uow.charges.add(renewal)
        return _Next(send=payment.id)
    active = subscription.status is SubscriptionStatus.ACTIVE
    subscription.wake_at(subscription.period_end if active else None)
    return _Next()


async def _follow(
    subscription: Subscription,
    plan: Plan,
    charge: Charge,
    payment: Payment,
    uow: SubscriptionsUnitOfWork,
    now: datetime,
) -> _Next:
    """An open charge: wait for its attempt, ask again, retry, or give up on it."""
    if payment.status in OPEN:
        if charge.via_checkout:
            subscription.wake_at(max(payment.expires_at, now + ATTEMPT_LEASE))
            return _Next()
        if payment.provider_ref is None:  # the call never answered: ask again, same key
            subscription.wake_at(now + ATTEMPT_LEASE)
            return _Next(send=payment.id)
        subscription.wake_at(now + PENDING_RECHECK)
        return _Next()
    if lapsed(charge, payment):  # did it really take nothing? ask before trying again
        subscription.wake_at(now + ATTEMPT_LEASE)
        return _Next(confirm=payment.id)
    if (subscription.next_action_at or now) > now:
        return _Next()
    if subscription.status is SubscriptionStatus.PAST_DUE:
        charge.void(now)
        await uow.charges.save(charge)
        subscription.cancel(plan, UNPAID, None, now)
        return _Next()
    if charge.kind is ChargeKind.RENEWAL and subscription.status is SubscriptionStatus.ACTIVE:
        retry = await new_attempt(subscription, charge, plan, uow, now)
        await uow.charges.save(charge)
        return _Next(send=retry.id)
    return _Next()
