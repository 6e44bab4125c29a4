"""Subscription use cases: the plans on offer, subscribing, and what a subscriber sees.

Subscribing stores a pending subscription with its first payment; the caller then opens
that payment on the provider's page (`core.payments.services.open_checkout`, with
`save_method` for a plan that renews, so that renewals can be charged without the subscriber
on a page). The subscription starts when the payment succeeds (`charges.settle`).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from core.identity.model import AccountId, Role
from core.payments.model import Payment
from core.payments.offsession import off_session_provider
from core.payments.services import PaymentTerms, Providers
from core.shared.clock import Clock
from core.shared.errors import Conflict, NotFound, PermissionDenied
from core.shared.idempotency import IdempotencyRecord, fingerprint, replayed, validate_key
from core.shared.perks import Perk
from core.subscriptions.charge import Charge, ChargeKind, ChargeStatus
from core.subscriptions.charges import is_live_attempt, new_attempt
from core.subscriptions.commands import Subscribe
from core.subscriptions.model import Subscription, SubscriptionId, SubscriptionStatus
from core.subscriptions.plans import Plan, PlanId, PlanKind, PlanSpec, Tiers
from core.subscriptions.ports import SubscriptionsUnitOfWork


@attrs.frozen
class SubscriptionView:
    """A subscription as its holder sees it: the plan, and every charge with its payment."""

    subscription: Subscription
    plan: Plan
    charges: list[tuple[Charge, Payment | None]]

    @property
    def outstanding(self) -> Charge | None:
        """The renewal owed and not paid yet, if any."""
        renewals = (c for c, _ in self.charges if c.kind is ChargeKind.RENEWAL)
        return next((c for c in renewals if c.status is ChargeStatus.OPEN), None)


# -- plans ------------------------------------------------------------------------------------


async def list_plans(*, uow: SubscriptionsUnitOfWork, active_only: bool = True) -> list[Plan]:
    async with uow:
        return await uow.plans.all(active_only=active_only)


async def add_plan(spec: PlanSpec, *, uow: SubscriptionsUnitOfWork, clock: Clock) -> Plan:
    """Offer a new plan (the platform itself: set-up, demo data, the command line)."""
    plan = Plan.create(spec, clock.now())
    async with uow:
        if plan.kind is PlanKind.CONFERENCE:
            Tiers.of([*await uow.plans.all(active_only=True), plan])  # one currency for tiers
        await uow.plans.add(plan)
        await uow.commit()
    return plan


async def _ensure_admin(actor: AccountId, uow: SubscriptionsUnitOfWork) -> None:
    account = await uow.accounts.get(actor)
    if Role.PLATFORM_ADMIN not in account.roles:
        raise PermissionDenied("only a platform administrator manages plans")


async def create_plan(
    spec: PlanSpec, *, actor: AccountId, uow: SubscriptionsUnitOfWork, clock: Clock
) -> Plan:
    """Offer a new plan, asked by a person: platform administrators only."""
    async with uow:
        await _ensure_admin(actor, uow)
    return await add_plan(spec, uow=uow, clock=clock)


async def retire_plan(plan_id: PlanId, *, actor: AccountId, uow: SubscriptionsUnitOfWork) -> Plan:
    """Stop offering a plan; whoever holds it keeps it (and keeps renewing)."""
    async with uow:
        await _ensure_admin(actor, uow)
        plan = (await uow.plans.get(plan_id)).retired()
        await uow.plans.save(plan)
        await uow.commit()
    return plan


# -- subscribing ------------------------------------------------------------------------------


async def subscribe(
    cmd: Subscribe,
    *,
    uow: SubscriptionsUnitOfWork,
    clock: Clock,
    terms: PaymentTerms,
    providers: Providers,
) -> tuple[Subscription, Payment, bool]:
    """Start a subscription waiting for its first payment: (subscription, that payment,
    whether this repeats an earlier request with the same idempotency key).

    An account holds one live subscription at a time: asking again for the plan it is
    waiting to pay returns that one; asking for another plan while waiting gives the first
    up; an active one must be changed (`change_plan`) or cancelled first.
    """
    key = validate_key(cmd.idempotency_key) if cmd.idempotency_key is not None else None
    scope = f"subscriptions.subscribe:{cmd.account_id}"
    asked = fingerprint({"plan_id": str(cmd.plan_id)})
    now = clock.now()
    async with uow:
        earlier = None if key is None else replayed(await uow.idempotency.get(scope, key), asked)
        if earlier is not None:
            return *await _started(SubscriptionId(earlier), uow), True
        plan = await uow.plans.get(cmd.plan_id)
        if plan.renews:
            off_session_provider(terms.provider, providers)
        waiting = await _waiting(cmd.account_id, plan, uow, now)
        if waiting is not None:
            return *waiting, False
        subscription = Subscription.start(cmd.account_id, plan, terms.provider, now)
        if key is not None:
            record = IdempotencyRecord(scope, key, asked, subscription.id, now)
            earlier = replayed(await uow.idempotency.claim(record), asked)
            if earlier is not None:  # a twin request with this key got there first
                return *await _started(SubscriptionId(earlier), uow), True
        payment = await _first_payment(subscription, plan, uow, terms, now)
        await uow.commit()
    return subscription, payment, False


async def _first_payment(
    subscription: Subscription,
    plan: Plan,
    uow: SubscriptionsUnitOfWork,
    terms: PaymentTerms,
    now: datetime,
) -> Payment:
    """Inside the transaction: store the subscription with its start charge and the payment
    to be made on the provider's page."""
    charge = Charge.open(subscription, ChargeKind.START, plan, plan.price, now)
    await uow.subscriptions.add(subscription)
    payment = await new_attempt(
        subscription, charge, plan, uow, now, via_checkout=True, hold=terms.hold
    )
    await uow.charges.add(charge)
    return payment


async def _waiting(
    account_id: AccountId, plan: Plan, uow: SubscriptionsUnitOfWork, now: datetime
) -> tuple[Subscription, Payment] | None:
    """The account's live subscription: the same plan still waiting for its payment is
    returned; another plan waiting is given up; an active one refuses a second."""
    live = await uow.subscriptions.live_of(account_id)
    if live is None:
        return None
    if live.status is not SubscriptionStatus.PENDING:
        current = await uow.plans.get(live.plan_id)
        raise Conflict(
            f"you already subscribe to {current.name}; change the plan or cancel it first"
        )
    charge = await uow.charges.open_of(live.id)
    payment = None
    if charge is not None and charge.payment_id is not None:
        payment = await uow.payments.get(charge.payment_id)
    if live.plan_id == plan.id and is_live_attempt(charge, payment):
        assert payment is not None
        return live, payment
    if charge is not None:
        charge.void(now)
        await uow.charges.save(charge)
    live.abandon(now, "another plan was chosen before this one was paid")
    await uow.subscriptions.save(live)
    return None


async def _started(
    subscription_id: SubscriptionId, uow: SubscriptionsUnitOfWork
) -> tuple[Subscription, Payment]:
    subscription = await uow.subscriptions.get(subscription_id)
    charges = await uow.charges.of_subscription(subscription_id)
    start = next(c for c in charges if c.kind is ChargeKind.START)
    assert start.payment_id is not None
    return subscription, await uow.payments.get(start.payment_id)


# -- what a subscriber sees -------------------------------------------------------------------


async def _view(subscription: Subscription, uow: SubscriptionsUnitOfWork) -> SubscriptionView:
    plan = await uow.plans.get(subscription.plan_id)
    charges = []
    for charge in await uow.charges.of_subscription(subscription.id):
        payment = None if charge.payment_id is None else await uow.payments.get(charge.payment_id)
        charges.append((charge, payment))
    return SubscriptionView(subscription, plan, charges)


async def my_subscriptions(
    account_id: AccountId, *, uow: SubscriptionsUnitOfWork
) -> list[SubscriptionView]:
    """Every subscription of the account, newest first, with its plan and charges."""
    async with uow:
        return [await _view(s, uow) for s in await uow.subscriptions.of_account(account_id)]


async def subscription_details(
    subscription_id: SubscriptionId, *, viewer: AccountId, uow: SubscriptionsUnitOfWork
) -> SubscriptionView:
    """One subscription, for its holder only (anyone else gets "not found")."""
    async with uow:
        try:
            subscription = await uow.subscriptions.get(subscription_id)
        except NotFound:
            raise NotFound("subscription not found") from None
        subscription.ensure_owned_by(viewer)
        return await _view(subscription, uow)


async def perks_now(
    account_id: AccountId, *, uow: SubscriptionsUnitOfWork, clock: Clock
) -> frozenset[Perk]:
    """The perks the account holds right now."""
    async with uow:
        return await uow.perks.perks_of(account_id, clock.now())
