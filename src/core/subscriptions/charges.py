"""Paying a subscription's charges: attempts, the provider's answers, refunds.

Every attempt is a payment stored (with its idempotency key) before the provider is asked;
a timeout leaves it open and it is asked again with the same key. A new attempt is made only
once the last one has failed, so a charge (one per period) is paid at most once. Whatever
pays for a charge nobody owes any more (the subscription was cancelled meanwhile, or a late
success of an older attempt meets a paid charge) is refunded in full.

`settle` is the one place where a payment's outcome moves a charge and its subscription; it
runs when payment news arrives (the `payment.*` handlers) and when the renewal job looks at a
subscription, and it is idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.payments.model import CAPTURED, OPEN, Payment, PaymentId, PaymentStatus, Purpose, Refund
from core.payments.offsession import charge_saved_method, check_with_provider
from core.payments.ports import ProviderStatus, ProviderUnavailable
from core.payments.services import Providers, hand_over_refund, reserve_refund
from core.shared.clock import Clock
from core.shared.money import Money
from core.subscriptions.charge import Charge, ChargeId, ChargeKind, ChargeStatus
from core.subscriptions.model import Subscription, SubscriptionStatus
from core.subscriptions.plans import Plan
from core.subscriptions.ports import SubscriptionsUnitOfWork

ATTEMPT_LEASE = timedelta(seconds=60)
"""An off-session attempt whose provider call did not answer is asked again after this."""

OFF_SESSION_TTL = timedelta(days=3)
"""How long an off-session attempt may stay unanswered before it counts as failed."""

PENDING_RECHECK = timedelta(minutes=10)
"""How often the job looks again at an attempt the provider is still processing."""

NOTHING_OWED = "nothing was owed for this subscription any more when the payment arrived"


def describe(plan: Plan, kind: ChargeKind) -> str:
    what = {ChargeKind.START: "", ChargeKind.RENEWAL: ", renewal", ChargeKind.UPGRADE: ", upgrade"}
    return f"Stagedoor {plan.name}{what[kind]}"


async def new_attempt(
    subscription: Subscription,
    charge: Charge,
    plan: Plan,
    uow: SubscriptionsUnitOfWork,
    now: datetime,
    *,
    via_checkout: bool = False,
    hold: timedelta = OFF_SESSION_TTL,
) -> Payment:
    """Inside a transaction: store the next payment for `charge` (the caller stores the
    charge). An off-session attempt leases the subscription, so that the renewal job asks
    the provider again if the call never answers."""
    payment = charge.attempt(
        subscription.provider,
        describe(plan, charge.kind),
        now,
        now + hold,
        via_checkout=via_checkout,
    )
    await uow.payments.add(payment)
    if not via_checkout:
        subscription.wake_at(now + ATTEMPT_LEASE)
    return payment


async def send_attempt(
    payment_id: PaymentId,
    mandate_ref: str | None,
    *,
    uow: SubscriptionsUnitOfWork,
    providers: Providers,
    clock: Clock,
) -> None:
    """After the commit that stored it: ask the provider for an off-session attempt, then
    settle the charge by the answer. Out of reach, it stays for the renewal job."""
    try:
        await charge_saved_method(
            payment_id, mandate_ref or "", uow=uow, providers=providers, clock=clock
        )
    except ProviderUnavailable:
        return
    await settle_payment(payment_id, uow=uow, providers=providers, clock=clock)


async def confirm_lapsed(
    payment_id: PaymentId,
    mandate_ref: str | None,
    *,
    uow: SubscriptionsUnitOfWork,
    providers: Providers,
    clock: Clock,
) -> None:
    """A renewal attempt expired here without a word from the provider. Before anything is
    tried again, learn that it did not take the money: an unanswered off-session call is
    asked again with its own key, a payment page's status is asked for. A success is booked
    as the renewal's payment, a failure counts, no answer yet waits for the next look."""
    async with uow:
        payment = await uow.payments.get(payment_id)
    try:
        if payment.provider_ref is None:
            outcome = await charge_saved_method(
                payment_id, mandate_ref or "", uow=uow, providers=providers, clock=clock
            )
        else:
            outcome = await check_with_provider(
                payment_id, uow=uow, providers=providers, clock=clock
            )
    except ProviderUnavailable:
        return
    if outcome is None or outcome.status is ProviderStatus.PENDING:
        return
    await settle_payment(
        payment_id,
        uow=uow,
        providers=providers,
        clock=clock,
        confirmed=outcome.status is not ProviderStatus.SUCCEEDED,
    )


async def settle_payment(
    payment_id: PaymentId,
    *,
    uow: SubscriptionsUnitOfWork,
    providers: Providers,
    clock: Clock,
    confirmed: bool = False,
) -> None:
    """A subscription payment moved on (captured, failed, expired): move its charge and
    subscription along. Payments of no charge of ours change nothing. `confirmed`: the
    provider said an expired payment took no money."""
    refund = None
    async with uow:
        payment = await uow.payments.get(payment_id)
        found = await uow.charges.find(ChargeId(payment.reference_id))
        if found is None or payment.purpose is not Purpose.SUBSCRIPTION:
            return
        subscription = await uow.subscriptions.get_for_update(found.subscription_id)
        charge = await uow.charges.get(found.id)  # read again under the subscription's lock
        payment = await uow.payments.get_for_update(payment_id)
        refund = await settle(subscription, charge, payment, uow, clock.now(), confirmed=confirmed)
        await uow.charges.save(charge)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    if refund is not None:
        await hand_over_refund(refund, uow=uow, providers=providers)


async def settle(
    subscription: Subscription,
    charge: Charge,
    payment: Payment,
    uow: SubscriptionsUnitOfWork,
    now: datetime,
    *,
    confirmed: bool = False,
) -> Refund | None:
    """Inside a transaction, with the subscription locked: apply what `payment` says to its
    charge. Returns a refund to hand over after the commit, if the money is not owed.

    A renewal attempt that expired here counts as failed only once the provider `confirmed`
    it took nothing (`confirm_lapsed`, run by the renewal job, which is woken for it)."""
    if payment.status in CAPTURED:
        if charge.status is ChargeStatus.PAID:
            if charge.payment_id == payment.id:
                return None  # news already applied
            return await reserve_refund(payment.id, NOTHING_OWED, uow, now)
        if charge.status is not ChargeStatus.OPEN:
            return await reserve_refund(payment.id, NOTHING_OWED, uow, now)
        await _paid(subscription, charge, payment, uow, now)
    elif (
        payment.status not in OPEN
        and charge.status is ChargeStatus.OPEN
        and charge.payment_id == payment.id
    ):
        if lapsed(charge, payment) and not confirmed:
            subscription.wake_at(now)
        elif charge.note_failure(_reason(payment)):
            await _failed(subscription, charge, _reason(payment), uow, now)
    return None


def lapsed(charge: Charge, payment: Payment) -> bool:
    """A renewal attempt that expired here, may have reached the provider, and whose failure
    is not counted yet (a page that was never opened took nothing for sure)."""
    return (
        charge.kind is ChargeKind.RENEWAL
        and payment.status is PaymentStatus.EXPIRED
        and charge.failures < charge.attempts
        and (payment.provider_ref is not None or not charge.via_checkout)
    )


def _reason(payment: Payment) -> str:
    if payment.status is PaymentStatus.EXPIRED:
        return "no answer came in time"
    return (payment.failure_reason or "declined").replace("_", " ")


async def _paid(
    subscription: Subscription,
    charge: Charge,
    payment: Payment,
    uow: SubscriptionsUnitOfWork,
    now: datetime,
) -> None:
    plan = await uow.plans.get(charge.plan_id)
    checkout_ref = payment.provider_ref if payment.redirect_url is not None else None
    if charge.kind is ChargeKind.START:
        subscription.activate(plan, now, checkout_ref)
    elif charge.kind is ChargeKind.RENEWAL:
        assert charge.period_start is not None
        subscription.renewed(plan, charge.period_start, now)
        if checkout_ref is not None and plan.renews:  # paid by hand: this card pays from now on
            subscription.mandate_ref = checkout_ref
    else:
        previous = await uow.plans.get(subscription.plan_id)
        subscription.change_plan(previous, plan, charge.amount, now)
        subscription.wake_at(subscription.period_end)
    assert subscription.period_start is not None
    charge.pay(payment.id, now, subscription.period_start)
    subscription.note_charge(plan, charge, now)


async def _failed(
    subscription: Subscription,
    charge: Charge,
    reason: str,
    uow: SubscriptionsUnitOfWork,
    now: datetime,
) -> None:
    plan = await uow.plans.get(charge.plan_id)
    if charge.kind is ChargeKind.RENEWAL:
        subscription.renewal_failed(plan, charge, reason, now)
        return
    charge.fail(reason, now)
    if charge.kind is ChargeKind.START:
        subscription.abandon(now, f"the first payment did not go through ({reason})")
    else:
        current = await uow.plans.get(subscription.plan_id)
        subscription.decline_plan_change(current, plan, reason, now)
        subscription.wake_at(subscription.period_end)


async def refund_period(
    subscription: Subscription,
    amount: Money,
    reason: str,
    uow: SubscriptionsUnitOfWork,
    now: datetime,
) -> list[Refund]:
    """Inside a transaction: set aside refunds of `amount` from what paid for the current
    period, newest payment first, never more than those payments have left."""
    left = amount.amount
    refunds = []
    for charge in await uow.charges.of_subscription(subscription.id):
        if left <= 0:
            break
        if (
            charge.status is not ChargeStatus.PAID
            or charge.period_start != subscription.period_start
        ):
            continue
        assert charge.payment_id is not None
        payment = await uow.payments.get_for_update(charge.payment_id)
        take = min(left, payment.refundable.amount)
        if take > 0:
            refund = payment.request_refund(Money(take, amount.currency), reason, now)
            await uow.refunds.add(refund)
            await uow.payments.save(payment)
            refunds.append(refund)
            left -= take
    return refunds


def is_live_attempt(charge: Charge | None, payment: Payment | None) -> bool:
    """An attempt that may still succeed: its payment is open."""
    return (
        charge is not None
        and payment is not None
        and charge.payment_id == payment.id
        and payment.status in OPEN
    )


def unpaid_renewal(subscription: Subscription, charge: Charge | None) -> bool:
    """The subscription is behind: its renewal is owed and not paid yet."""
    return (
        charge is not None
        and charge.kind is ChargeKind.RENEWAL
        and charge.status is ChargeStatus.OPEN
        and subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
    )
