"""What a subscriber changes: cancel (now or at period end), resume, change plan, pay what
is owed by hand.

Money moves as a real subscriber expects: cancelling now refunds the unused part of the
period; moving to a dearer plan charges the difference for the rest of the period from the
saved card, and the move happens when it is paid; moving to a cheaper plan happens at once
and refunds the difference. Refunds are reserved in the transaction and handed to the
provider after it commits.
"""

from __future__ import annotations

from datetime import datetime

from core.identity.model import AccountId
from core.payments.model import Payment, Refund
from core.payments.services import PaymentTerms, Providers, hand_over_refund
from core.shared.clock import Clock
from core.shared.errors import Conflict
from core.shared.money import Money
from core.subscriptions.charge import Charge, ChargeKind, ChargeStatus
from core.subscriptions.charges import (
    is_live_attempt,
    new_attempt,
    refund_period,
    send_attempt,
    settle,
    unpaid_renewal,
)
from core.subscriptions.commands import CancelSubscription, ChangePlan
from core.subscriptions.model import Subscription, SubscriptionId, SubscriptionStatus
from core.subscriptions.periods import remaining_share
from core.subscriptions.plans import Plan
from core.subscriptions.ports import SubscriptionsUnitOfWork

BY_SUBSCRIBER = "cancelled by the subscriber"
NOTHING_OWED_NOW = "nothing is owed on this subscription"


async def _owned(
    subscription_id: SubscriptionId, actor: AccountId, uow: SubscriptionsUnitOfWork
) -> tuple[Subscription, Plan]:
    subscription = await uow.subscriptions.get_for_update(subscription_id)
    subscription.ensure_owned_by(actor)
    return subscription, await uow.plans.get(subscription.plan_id)


async def _hand_over_all(
    refunds: list[Refund], uow: SubscriptionsUnitOfWork, providers: Providers
) -> None:
    for refund in refunds:
        await hand_over_refund(refund, uow=uow, providers=providers)


def unused_time(subscription: Subscription, plan: Plan, now: datetime) -> Money:
    """What the rest of the paid period is worth at the plan's price (zero when unpaid)."""
    start, end = subscription.period_start, subscription.period_end
    if subscription.status is not SubscriptionStatus.ACTIVE or start is None or end is None:
        return Money.zero(plan.price.currency)
    return remaining_share(plan.price, start, end, now)


async def cancel_subscription(
    cmd: CancelSubscription,
    *,
    uow: SubscriptionsUnitOfWork,
    clock: Clock,
    providers: Providers,
) -> Subscription:
    """Cancel now, refunding the unused time, or at the end of the paid period."""
    now = clock.now()
    refunds: list[Refund] = []
    async with uow:
        subscription, plan = await _owned(cmd.subscription_id, cmd.actor_id, uow)
        if cmd.at_period_end:
            subscription.schedule_cancellation(plan, now)
        else:
            owed = await uow.charges.open_of(subscription.id)
            if owed is not None:  # a payment still on its way is refunded if it lands
                owed.void(now)
                await uow.charges.save(owed)
            unused = unused_time(subscription, plan, now)
            if unused.amount > 0:
                refunds = await refund_period(subscription, unused, BY_SUBSCRIBER, uow, now)
            back = sum(r.amount.amount for r in refunds)
            refund = Money(back, plan.price.currency) if back else None
            subscription.cancel(plan, BY_SUBSCRIBER, refund, now)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    await _hand_over_all(refunds, uow, providers)
    return subscription


async def resume_subscription(
    subscription_id: SubscriptionId,
    *,
    actor: AccountId,
    uow: SubscriptionsUnitOfWork,
    clock: Clock,
) -> Subscription:
    """Take back a cancellation at period end: it renews again."""
    async with uow:
        subscription, plan = await _owned(subscription_id, actor, uow)
        subscription.resume(plan, clock.now())
        await uow.subscriptions.save(subscription)
        await uow.commit()
    return subscription


async def change_plan(
    cmd: ChangePlan,
    *,
    uow: SubscriptionsUnitOfWork,
    clock: Clock,
    providers: Providers,
) -> tuple[Subscription, Charge | None]:
    """Move to another monthly plan now. A dearer one is charged (the difference for the
    rest of the period) from the saved card and taken when paid; the returned charge says
    how that went. A cheaper one is taken at once and the difference refunded."""
    now = clock.now()
    async with uow:
        subscription, old = await _owned(cmd.subscription_id, cmd.actor_id, uow)
        new = await uow.plans.get(cmd.plan_id)
        subscription.ensure_plan_change(old, new, now)
        if await uow.charges.open_of(subscription.id) is not None:
            raise Conflict("a payment for this subscription is on its way; try again in a minute")
        charge, payment, refunds = await _move(subscription, old, new, uow, now)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    await _hand_over_all(refunds, uow, providers)
    if charge is None or payment is None:
        return subscription, None
    await send_attempt(
        payment.id, subscription.mandate_ref, uow=uow, providers=providers, clock=clock
    )
    async with uow:
        return await uow.subscriptions.get(subscription.id), await uow.charges.get(charge.id)


async def _move(
    subscription: Subscription,
    old: Plan,
    new: Plan,
    uow: SubscriptionsUnitOfWork,
    now: datetime,
) -> tuple[Charge | None, Payment | None, list[Refund]]:
    """Inside the transaction: charge the difference for a dearer plan (the move waits for
    it), or move now and refund the difference for a cheaper one."""
    assert subscription.period_start is not None
    assert subscription.period_end is not None
    difference = remaining_share(
        new.price - old.price, subscription.period_start, subscription.period_end, now
    )
    if difference.amount > 0:
        charge = Charge.open(
            subscription, ChargeKind.UPGRADE, new, difference, now,
            period_start=subscription.period_start,
        )  # fmt: skip
        payment = await new_attempt(subscription, charge, new, uow, now)
        await uow.charges.add(charge)
        return charge, payment, []
    refunds = []
    if difference.amount < 0:
        reason = f"moved to the cheaper plan {new.name}"
        refunds = await refund_period(subscription, -difference, reason, uow, now)
    subscription.change_plan(old, new, difference, now)
    return None, None, refunds


async def pay_now(
    subscription_id: SubscriptionId,
    *,
    actor: AccountId,
    uow: SubscriptionsUnitOfWork,
    clock: Clock,
    terms: PaymentTerms,
) -> Payment:
    """Pay an unpaid renewal by hand, on the provider's page (with another card, if need
    be: it then pays the renewals that follow). The caller opens the payment's checkout.

    While an automatic attempt is on its way there is nothing to pay by hand yet; a page
    already open for this renewal is offered again rather than a second one.
    """
    now = clock.now()
    async with uow:
        subscription, _ = await _owned(subscription_id, actor, uow)
        charge = await uow.charges.open_of(subscription.id)
        if charge is None or not unpaid_renewal(subscription, charge):
            raise Conflict(NOTHING_OWED_NOW)
        assert charge.payment_id is not None
        last = await uow.payments.get_for_update(charge.payment_id)
        if is_live_attempt(charge, last):
            if charge.via_checkout:
                return last
            raise Conflict("a payment for this renewal is on its way; look again in a minute")
        await settle(subscription, charge, last, uow, now)  # its news first: paid after all?
        if charge.status is not ChargeStatus.OPEN:
            raise Conflict(NOTHING_OWED_NOW)
        plan = await uow.plans.get(charge.plan_id)
        payment = await new_attempt(
            subscription, charge, plan, uow, now, via_checkout=True, hold=terms.hold
        )
        await uow.charges.save(charge)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    return payment
