"""Subscriptions under concurrency, on every backend: a year of renewals with two jobs racing
each month, twin subscribe requests, a cancellation racing the renewal, billing reviews
racing each other. On PostgreSQL these really run at once, each on its own connection."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from datetime import timedelta

import pytest
from tests.contract.distribution_support import conference, participants, person
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.identity.model import Account
from core.payments.ledger import LedgerAccount, trial_balance
from core.payments.model import Payment
from core.payments.ports import ProviderEventType
from core.payments.services import PaymentTerms, open_checkout, record_provider_event
from core.shared.errors import Conflict
from core.shared.money import Money
from core.subscriptions import changes, invoicing, renewals, services
from core.subscriptions.charge import ChargeKind, ChargeStatus
from core.subscriptions.charges import settle_payment
from core.subscriptions.commands import CancelSubscription, Subscribe
from core.subscriptions.model import Subscription, SubscriptionStatus
from core.subscriptions.periods import add_months
from core.subscriptions.plans import Plan, PlanKind, PlanSpec

TERMS = PaymentTerms(provider="memory", hold=timedelta(minutes=15))


class Urls:
    def success(self, payment_id: object) -> str:
        return f"https://stagedoor.test/pay/return/{payment_id}"

    def cancel(self, payment_id: object) -> str:
        return f"https://stagedoor.test/pay/return/{payment_id}?cancelled=1"


@pytest.fixture
def provider() -> MemoryPaymentProvider:
    """A provider of its own per test, its references unlike any earlier test's."""
    return MemoryPaymentProvider(serial=itertools.count(secrets.randbelow(10**9) * 1000))


async def _plan(make: Make, kind: PlanKind = PlanKind.MONTHLY, **extra: object) -> Plan:
    spec = PlanSpec(f"p-{secrets.token_hex(6)}", "Fan", kind, Money(49_900, "RUB"), **extra)  # type: ignore[arg-type]
    return await services.add_plan(spec, uow=make.new_uow(), clock=make.clock)


async def _paid(make: Make, provider: MemoryPaymentProvider, payment: Payment) -> None:
    """The provider reports the payment paid; the subscription handler settles it."""
    assert payment.provider_ref is not None
    event = provider.event(ProviderEventType.PAYMENT_SUCCEEDED, payment.provider_ref)
    await record_provider_event(event, provider=provider.name, uow=make.new_uow(), clock=make.clock)
    await settle_payment(
        payment.id, uow=make.new_uow(), providers={provider.name: provider}, clock=make.clock
    )


async def _subscribed(
    make: Make, provider: MemoryPaymentProvider, account: Account, plan: Plan
) -> Subscription:
    providers = {provider.name: provider}
    subscription, payment, _ = await services.subscribe(
        Subscribe(account.id, plan.id), uow=make.new_uow(), clock=make.clock, terms=TERMS,
        providers=providers,
    )  # fmt: skip
    payment = await open_checkout(
        payment.id, uow=make.new_uow(), providers=providers, urls=Urls(), clock=make.clock,
        save_method=plan.renews,
    )  # fmt: skip
    await _paid(make, provider, payment)
    async with make.new_uow() as uow:
        return await uow.subscriptions.get(subscription.id)


async def _job(make: Make, provider: MemoryPaymentProvider) -> int:
    return await renewals.renew_due(
        uow=make.new_uow(), providers={provider.name: provider}, clock=make.clock
    )


async def test_a_year_of_renewals_with_racing_jobs_charges_once_per_month(
    make: Make, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    plan = await _plan(make)
    subscription = await _subscribed(make, provider, await make.account(), plan)
    assert subscription.anchor is not None
    for month in range(1, 13):
        clock.current = max(clock.current, add_months(subscription.anchor, month))
        await asyncio.gather(*(_job(make, provider) for _ in range(3)))
        await _job(make, provider)
    async with new_uow() as uow:
        renewed = await uow.subscriptions.get(subscription.id)
        charges = await uow.charges.of_subscription(subscription.id)
        balances = await uow.ledger.balances()
    renewals_made = [c for c in charges if c.kind is ChargeKind.RENEWAL]
    assert len(renewals_made) == 12
    assert all(c.status is ChargeStatus.PAID and c.attempts == 1 for c in renewals_made)
    assert sorted(c.period_start for c in renewals_made) == [  # type: ignore[type-var]
        add_months(subscription.anchor, m) for m in range(1, 13)
    ]
    assert len(provider.charges) == 12
    assert renewed.period_index == 12
    assert renewed.status is SubscriptionStatus.ACTIVE
    assert trial_balance(balances) == {"RUB": 0}
    assert balances[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] <= -13 * 49_900


async def test_twin_subscribe_requests_start_one_subscription(
    make: Make, new_uow: NewUow, provider: MemoryPaymentProvider
) -> None:
    plan, other = await _plan(make), await _plan(make, PlanKind.PASS, days=30)
    account = await make.account()

    async def subscribe(plan: Plan, key: str | None) -> object:
        try:
            made, _, _ = await services.subscribe(
                Subscribe(account.id, plan.id, key), uow=make.new_uow(), clock=make.clock,
                terms=TERMS, providers={provider.name: provider},
            )  # fmt: skip
        except Conflict as refused:
            return refused
        return made.id

    same = await asyncio.gather(*(subscribe(plan, "twin") for _ in range(4)))
    assert len(set(same)) == 1
    await asyncio.gather(subscribe(plan, None), subscribe(other, None), subscribe(plan, None))
    async with new_uow() as uow:
        mine = await uow.subscriptions.of_account(account.id)
    assert sum(1 for s in mine if s.live) == 1


async def test_a_cancellation_racing_the_renewal_never_charges_twice(
    make: Make, new_uow: NewUow, clock: SteppingClock, provider: MemoryPaymentProvider
) -> None:
    plan = await _plan(make)
    subscription = await _subscribed(make, provider, await make.account(), plan)
    assert subscription.period_end is not None
    clock.current = max(clock.current, subscription.period_end)
    await asyncio.gather(
        _job(make, provider),
        changes.cancel_subscription(
            CancelSubscription(subscription.id, subscription.account_id),
            uow=make.new_uow(), clock=make.clock, providers={provider.name: provider},
        ),
        _job(make, provider),
    )  # fmt: skip
    await _job(make, provider)
    async with new_uow() as uow:
        final = await uow.subscriptions.get(subscription.id)
        charges = await uow.charges.of_subscription(subscription.id)
        balances = await uow.ledger.balances()
    assert final.status is SubscriptionStatus.CANCELLED
    assert len(provider.charges) <= 1
    assert all(c.status is not ChargeStatus.OPEN for c in charges)
    assert trial_balance(balances) == {"RUB": 0}
    if provider.charges:  # renewed first: the renewal is refunded with the cancellation
        assert provider.refunds


async def test_racing_billing_reviews_issue_one_invoice(
    make: Make, new_uow: NewUow, clock: SteppingClock
) -> None:
    await _plan(make, PlanKind.CONFERENCE, participants=None)
    organiser = await make.account()
    made = await conference(make, organiser.id)
    await participants(make, made.id, [person("Ivanov", "Ivan"), person("Petrov", "Pyotr")])
    reviews = await asyncio.gather(
        *(invoicing.review_conference(made.id, uow=make.new_uow(), clock=clock) for _ in range(4))
    )
    async with new_uow() as uow:
        invoices = await uow.invoices.of_organiser(organiser.id)
    assert len(invoices) == 1
    assert {r.id for r in reviews if r is not None} == {invoices[0].id}
