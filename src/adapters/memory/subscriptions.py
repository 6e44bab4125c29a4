"""In-memory subscription and billing repositories, with the database's constraints:
one plan per code, one live subscription per account, one open charge per subscription,
one renewal per subscription and period, one open invoice per conference."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from core.identity.model import AccountId
from core.shared.errors import Conflict
from core.shared.money import Money
from core.subscriptions.billing import (
    ConferenceAccount,
    ConferenceSize,
    Invoice,
    InvoiceId,
    InvoiceStatus,
)
from core.subscriptions.charge import Charge, ChargeId, ChargeKind, ChargeStatus
from core.subscriptions.model import LIVE, Subscription, SubscriptionId
from core.subscriptions.plans import Plan, PlanId

if TYPE_CHECKING:
    from adapters.memory.store import _Repo
else:  # imported at the end of adapters.memory.store, once _Repo exists
    from adapters.memory.store import _Repo


def _plan_order(plan: Plan) -> tuple[Any, ...]:
    return (list(type(plan.kind)).index(plan.kind), plan.price.amount, plan.id)


class MemoryPlans(_Repo):
    table = "plans"

    async def add(self, plan: Plan) -> None:
        if any(p.code == plan.code for p in self.tx.rows(self.table)):
            raise Conflict("another plan already has this code")
        self.tx.put(self.table, plan.id, plan)

    async def get(self, plan_id: PlanId) -> Plan:
        return self._get(plan_id, "plan")  # type: ignore[no-any-return]

    async def save(self, plan: Plan) -> None:
        self.tx.put(self.table, plan.id, plan)

    async def all(self, *, active_only: bool) -> list[Plan]:
        plans = [p for p in self.tx.rows(self.table) if p.active or not active_only]
        return sorted(plans, key=_plan_order)


class MemorySubscriptions(_Repo):
    table = "subscriptions"

    def _check(self, subscription: Subscription) -> None:
        if subscription.status in LIVE and any(
            s.account_id == subscription.account_id and s.status in LIVE and s.id != subscription.id
            for s in self.tx.rows(self.table)
        ):
            raise Conflict("you already have a subscription; change its plan or cancel it first")

    async def add(self, subscription: Subscription) -> None:
        self._check(subscription)
        self.tx.put(self.table, subscription.id, subscription)
        self.tx.track(subscription)

    save = add  # the store keeps whole objects: saving one is putting it again

    async def get(self, subscription_id: SubscriptionId) -> Subscription:
        return self._get(subscription_id, "subscription")  # type: ignore[no-any-return]

    async def get_for_update(self, subscription_id: SubscriptionId) -> Subscription:
        return await self.get(subscription_id)  # the store's lock already serialises writers

    async def live_of(self, account_id: AccountId) -> Subscription | None:
        found = next(
            (
                s
                for s in self.tx.rows(self.table)
                if s.account_id == account_id and s.status in LIVE
            ),
            None,
        )
        return self.tx.track(found)

    async def of_account(self, account_id: AccountId) -> list[Subscription]:
        mine = [s for s in self.tx.rows(self.table) if s.account_id == account_id]
        return sorted(mine, key=lambda s: s.id, reverse=True)

    async def due(self, now: datetime, limit: int) -> list[SubscriptionId]:
        due = sorted(
            (
                s
                for s in self.tx.rows(self.table)
                if s.next_action_at is not None and s.next_action_at <= now
            ),
            key=lambda s: (s.next_action_at, s.id),
        )
        return [s.id for s in due[:limit]]


class MemoryCharges(_Repo):
    table = "subscription_charges"

    def _check(self, charge: Charge) -> None:
        for other in self.tx.rows(self.table):
            if other.id == charge.id or other.subscription_id != charge.subscription_id:
                continue
            if charge.status is ChargeStatus.OPEN and other.status is ChargeStatus.OPEN:
                raise Conflict("a payment for this subscription is already on its way")
            if (
                charge.kind is ChargeKind.RENEWAL
                and other.kind is ChargeKind.RENEWAL
                and charge.period_start == other.period_start
            ):
                raise Conflict("this period of the subscription is already being renewed")

    async def add(self, charge: Charge) -> None:
        self._check(charge)
        self.tx.put(self.table, charge.id, charge)

    save = add

    async def get(self, charge_id: ChargeId) -> Charge:
        return self._get(charge_id, "charge")  # type: ignore[no-any-return]

    async def find(self, charge_id: ChargeId) -> Charge | None:
        return self.tx.get(self.table, charge_id)  # type: ignore[no-any-return]

    async def open_of(self, subscription_id: SubscriptionId) -> Charge | None:
        return next(
            (
                c
                for c in self.tx.rows(self.table)
                if c.subscription_id == subscription_id and c.status is ChargeStatus.OPEN
            ),
            None,
        )

    async def of_subscription(self, subscription_id: SubscriptionId) -> list[Charge]:
        mine = [c for c in self.tx.rows(self.table) if c.subscription_id == subscription_id]
        return sorted(mine, key=lambda c: c.id, reverse=True)


class MemoryConferenceSizes(_Repo):
    """Reads the distribution tables of the same store, as the SQL version reads its own."""

    table = "conferences"

    def _size(self, conference: Any) -> ConferenceSize:
        people = sum(
            1
            for p in self.tx.rows("participants")
            if p is not None and p.conference_id == conference.id
        )
        return ConferenceSize(conference.id, conference.organiser_id, conference.title, people)

    async def get(self, conference_id: UUID) -> ConferenceSize | None:
        conference = self.tx.get(self.table, conference_id)
        return None if conference is None else self._size(conference)

    async def of_organiser(self, organiser_id: AccountId) -> list[ConferenceSize]:
        mine = sorted(
            (c for c in self.tx.rows(self.table) if c.organiser_id == organiser_id),
            key=lambda c: c.id,
            reverse=True,
        )
        return [self._size(c) for c in mine]


class MemoryConferenceAccounts(_Repo):
    table = "conference_accounts"

    async def get(self, conference_id: UUID) -> ConferenceAccount | None:
        return self.tx.get(self.table, conference_id)  # type: ignore[no-any-return]

    async def get_for_update(
        self, size: ConferenceSize, currency: str, now: datetime
    ) -> ConferenceAccount:
        account = await self.get(size.conference_id)
        if account is None:
            account = ConferenceAccount(
                size.conference_id, size.organiser_id, Money.zero(currency), now, now
            )
            self.tx.put(self.table, size.conference_id, account)
        return account

    async def save(self, account: ConferenceAccount) -> None:
        self.tx.put(self.table, account.conference_id, account)


class MemoryInvoices(_Repo):
    table = "invoices"

    def _check(self, invoice: Invoice) -> None:
        if invoice.status is InvoiceStatus.OPEN and any(
            i.conference_id == invoice.conference_id
            and i.status is InvoiceStatus.OPEN
            and i.id != invoice.id
            for i in self.tx.rows(self.table)
        ):
            raise Conflict("this conference already has an open invoice")

    async def add(self, invoice: Invoice) -> None:
        self._check(invoice)
        self.tx.put(self.table, invoice.id, invoice)
        self.tx.track(invoice)

    save = add

    async def get(self, invoice_id: InvoiceId) -> Invoice:
        return self._get(invoice_id, "invoice")  # type: ignore[no-any-return]

    async def find(self, invoice_id: InvoiceId) -> Invoice | None:
        return self.tx.get(self.table, invoice_id)  # type: ignore[no-any-return]

    async def open_of(self, conference_id: UUID) -> Invoice | None:
        found = next(
            (
                i
                for i in self.tx.rows(self.table)
                if i.conference_id == conference_id and i.status is InvoiceStatus.OPEN
            ),
            None,
        )
        return self.tx.track(found)

    async def of_organiser(self, organiser_id: AccountId) -> list[Invoice]:
        mine = [i for i in self.tx.rows(self.table) if i.organiser_id == organiser_id]
        return sorted(mine, key=lambda i: i.id, reverse=True)
