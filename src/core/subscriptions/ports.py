"""What subscriptions and organiser billing need from the outside world."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.identity.model import AccountId
from core.identity.ports import AccountRepository
from core.payments.ports import PaymentsUnitOfWork
from core.shared.idempotency import IdempotencyStore
from core.shared.perks import PerkReader
from core.subscriptions.billing import ConferenceAccount, ConferenceSize, Invoice, InvoiceId
from core.subscriptions.charge import Charge, ChargeId
from core.subscriptions.model import Subscription, SubscriptionId
from core.subscriptions.plans import Plan, PlanId


class PlanRepository(Protocol):
    async def add(self, plan: Plan) -> None:
        """Conflict when another plan has its code."""
        ...

    async def get(self, plan_id: PlanId) -> Plan: ...

    async def save(self, plan: Plan) -> None: ...

    async def all(self, *, active_only: bool) -> list[Plan]:
        """By kind, then price, then id."""
        ...


class SubscriptionRepository(Protocol):
    async def add(self, subscription: Subscription) -> None:
        """Conflict when the account already has a live (pending, active, past due) one."""
        ...

    async def get(self, subscription_id: SubscriptionId) -> Subscription: ...

    async def get_for_update(self, subscription_id: SubscriptionId) -> Subscription:
        """Load and lock: the renewal job, the subscriber and payment news take turns."""
        ...

    async def save(self, subscription: Subscription) -> None: ...

    async def live_of(self, account_id: AccountId) -> Subscription | None:
        """The account's pending, active or past-due subscription, locked; None if none."""
        ...

    async def of_account(self, account_id: AccountId) -> list[Subscription]:
        """Newest first."""
        ...

    async def due(self, now: datetime, limit: int) -> list[SubscriptionId]:
        """Subscriptions whose `next_action_at` has come, soonest first."""
        ...


class ChargeRepository(Protocol):
    async def add(self, charge: Charge) -> None:
        """Conflict when the subscription already has an open charge, or a renewal for the
        same period: one charge per subscription and period, whoever asks."""
        ...

    async def get(self, charge_id: ChargeId) -> Charge: ...

    async def find(self, charge_id: ChargeId) -> Charge | None: ...

    async def save(self, charge: Charge) -> None: ...

    async def open_of(self, subscription_id: SubscriptionId) -> Charge | None: ...

    async def of_subscription(self, subscription_id: SubscriptionId) -> list[Charge]:
        """Newest first."""
        ...


class ConferenceSizes(Protocol):
    """Distribution's conferences, as billing sees them (read only)."""

    async def get(self, conference_id: UUID) -> ConferenceSize | None: ...

    async def of_organiser(self, organiser_id: AccountId) -> list[ConferenceSize]:
        """Newest first."""
        ...


class ConferenceAccounts(Protocol):
    async def get(self, conference_id: UUID) -> ConferenceAccount | None: ...

    async def get_for_update(
        self, size: ConferenceSize, currency: str, now: datetime
    ) -> ConferenceAccount:
        """The conference's account, locked; opened with nothing paid when it has none."""
        ...

    async def save(self, account: ConferenceAccount) -> None: ...


class InvoiceRepository(Protocol):
    async def add(self, invoice: Invoice) -> None:
        """Conflict when the conference already has an open invoice."""
        ...

    async def get(self, invoice_id: InvoiceId) -> Invoice: ...

    async def find(self, invoice_id: InvoiceId) -> Invoice | None: ...

    async def save(self, invoice: Invoice) -> None: ...

    async def open_of(self, conference_id: UUID) -> Invoice | None: ...

    async def of_organiser(self, organiser_id: AccountId) -> list[Invoice]:
        """Newest first."""
        ...


class SubscriptionsUnitOfWork(PaymentsUnitOfWork, Protocol):
    """Subscriptions write payments and refunds with their own changes."""

    plans: PlanRepository
    subscriptions: SubscriptionRepository
    charges: ChargeRepository
    accounts: AccountRepository
    idempotency: IdempotencyStore
    perks: PerkReader


class BillingUnitOfWork(PaymentsUnitOfWork, Protocol):
    plans: PlanRepository
    conference_sizes: ConferenceSizes
    conference_accounts: ConferenceAccounts
    invoices: InvoiceRepository
