"""A small world for subscription tests: plans, a memory provider that saves cards, the
outbox relay, and the steps a subscriber's months are made of."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

import attrs
from tests.unit.support import NewUow, Relay, ReturnUrls

from adapters.memory import MemoryNotifier, SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.identity.model import Account
from core.payments.model import Payment, PaymentId
from core.payments.ports import ProviderEvent, ProviderEventType
from core.payments.services import (
    PaymentTerms,
    expire_payments,
    open_checkout,
    record_provider_event,
)
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions import changes, renewals, services
from core.subscriptions.charge import Charge
from core.subscriptions.commands import CancelSubscription, ChangePlan, Subscribe
from core.subscriptions.model import Subscription, SubscriptionId
from core.subscriptions.plans import Plan, PlanKind, PlanSpec

MONTHLY_PRICE = Money(49_900, "RUB")
TERMS = PaymentTerms(provider="memory", hold=timedelta(minutes=15))
_codes = count(1)


@attrs.define
class World:
    new_uow: NewUow
    clock: SteppingClock
    provider: MemoryPaymentProvider
    relay: Relay
    notifier: MemoryNotifier

    @property
    def providers(self) -> dict[str, Any]:
        return {self.provider.name: self.provider}

    async def plan(
        self,
        kind: PlanKind = PlanKind.MONTHLY,
        price: Money = MONTHLY_PRICE,
        perks: frozenset[Perk] = frozenset({Perk.NO_RESALE_FEE}),
        **extra: Any,
    ) -> Plan:
        if kind is PlanKind.PASS:
            extra.setdefault("days", 30)
        if kind is PlanKind.CONFERENCE:
            perks = frozenset()
        spec = PlanSpec(f"plan-{next(_codes)}", f"{kind} plan", kind, price, perks, **extra)
        return await services.add_plan(spec, uow=self.new_uow(), clock=self.clock)

    async def start(
        self, account: Account, plan: Plan, key: str | None = None
    ) -> tuple[Subscription, Payment]:
        """Subscribe and open the first payment's page (nothing paid yet)."""
        subscription, payment, _ = await services.subscribe(
            Subscribe(account.id, plan.id, key),
            uow=self.new_uow(), clock=self.clock, terms=TERMS, providers=self.providers,
        )  # fmt: skip
        payment = await self.checkout(payment, save=plan.renews)
        return subscription, payment

    async def checkout(self, payment: Payment, *, save: bool = True) -> Payment:
        return await open_checkout(
            payment.id, uow=self.new_uow(), providers=self.providers, urls=ReturnUrls(),
            clock=self.clock, save_method=save,
        )  # fmt: skip

    async def news(
        self,
        payment: Payment,
        kind: ProviderEventType = ProviderEventType.PAYMENT_SUCCEEDED,
        **extra: Any,
    ) -> bool:
        """The provider reports on a payment (a success unless told otherwise); the handlers run."""
        stored = await self.payment(payment.id)
        assert stored.provider_ref is not None
        event = self.provider.event(kind, stored.provider_ref, **extra)
        new = await record_provider_event(
            event, provider=self.provider.name, uow=self.new_uow(), clock=self.clock
        )
        await self.relay.drain()
        return new

    async def tell(self, event: ProviderEvent) -> bool:
        """Hand a provider event to the service as a webhook; whether it was new."""
        new = await record_provider_event(
            event, provider=self.provider.name, uow=self.new_uow(), clock=self.clock
        )
        await self.relay.drain()
        return new

    async def subscribe(self, account: Account, plan: Plan) -> Subscription:
        """Subscribe and pay the first payment on its page: an active subscription."""
        subscription, payment = await self.start(account, plan)
        await self.news(payment)
        return await self.get(subscription.id)

    async def renewal_day(
        self, account: Account, plan: Plan | None = None, *, declines: bool = False
    ) -> Subscription:
        """An active subscription (monthly unless told), the clock moved to its renewal
        date; `declines`: the kept card now refuses every charge."""
        subscription = await self.subscribe(account, plan or await self.plan())
        assert subscription.period_end is not None
        if declines:
            self.provider.decline_saved = "card_declined"
        self.move_to(subscription.period_end)
        return subscription

    async def failed_renewal(self, account: Account) -> tuple[Subscription, datetime]:
        """A monthly subscription whose kept card declined its renewal on the due date (the
        job ran once); the subscription and that date."""
        subscription = await self.renewal_day(account, declines=True)
        assert subscription.period_end is not None
        await self.run_job()
        return subscription, subscription.period_end

    async def expire(self, payment: Payment) -> None:
        """Time runs past the payment's expiry; the expiry job and the handlers run."""
        self.move_to(payment.expires_at + timedelta(seconds=1))
        await expire_payments(uow=self.new_uow(), clock=self.clock)
        await self.relay.drain()

    async def run_job(self) -> int:
        done = await renewals.renew_due(
            uow=self.new_uow(), providers=self.providers, clock=self.clock
        )
        await self.relay.drain()
        return done

    def move_to(self, moment: datetime) -> None:
        self.clock.current = max(self.clock.current, moment)

    async def get(self, subscription_id: SubscriptionId) -> Subscription:
        async with self.new_uow() as uow:
            return await uow.subscriptions.get(subscription_id)

    async def charges(self, subscription_id: SubscriptionId) -> list[Charge]:
        """Oldest first."""
        async with self.new_uow() as uow:
            return list(reversed(await uow.charges.of_subscription(subscription_id)))

    async def payment(self, payment_id: PaymentId) -> Payment:
        async with self.new_uow() as uow:
            return await uow.payments.get(payment_id)

    async def cancel(
        self, subscription: Subscription, *, at_period_end: bool = False
    ) -> Subscription:
        done = await changes.cancel_subscription(
            CancelSubscription(subscription.id, subscription.account_id, at_period_end),
            uow=self.new_uow(), clock=self.clock, providers=self.providers,
        )  # fmt: skip
        await self.relay.drain()
        return done

    async def change(
        self, subscription: Subscription, plan: Plan
    ) -> tuple[Subscription, Charge | None]:
        done = await changes.change_plan(
            ChangePlan(subscription.id, subscription.account_id, plan.id),
            uow=self.new_uow(), clock=self.clock, providers=self.providers,
        )  # fmt: skip
        await self.relay.drain()
        return done

    async def pay_now(self, subscription: Subscription) -> Payment:
        """The payment to pay an unpaid renewal by hand (its page not opened yet)."""
        return await changes.pay_now(
            subscription.id, actor=subscription.account_id, uow=self.new_uow(), clock=self.clock,
            terms=TERMS,
        )  # fmt: skip

    async def perks(self, account: Account, at: datetime | None = None) -> frozenset[Perk]:
        async with self.new_uow() as uow:
            return await uow.perks.perks_of(account.id, at or self.clock.current)

    async def balances(self) -> dict[Any, int]:
        async with self.new_uow() as uow:
            return dict(await uow.ledger.balances())

    def sent(self, template_subject: str) -> list[Any]:
        return [m for m in self.notifier.sent if template_subject in m.subject]
