"""What payments need from the outside world: a provider, and storage for money's records."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

import attrs

from core.payments.ledger import Balances, JournalEntry
from core.payments.model import Payment, PaymentId, Payout, PayoutId, Refund, RefundId
from core.shared.errors import DomainError
from core.shared.money import Money
from core.shared.uow import UnitOfWork


class InvalidWebhook(DomainError):
    """Raised when a webhook's signature, timestamp or body cannot be trusted or read."""

    code = "invalid-webhook"


class ProviderUnavailable(DomainError):
    """Raised when the payment provider cannot be reached or answers with an error; retry."""

    code = "provider-unavailable"


@attrs.frozen
class CheckoutRequest:
    """Open a hosted payment page for a payment; `idempotency_key` makes a retry safe."""

    payment_id: PaymentId
    amount: Money
    description: str
    return_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str
    save_method: bool = False
    """Keep the payer's payment method for later charges made without them (renewals)."""


@attrs.frozen
class Checkout:
    provider_ref: str
    redirect_url: str


@attrs.frozen
class RefundRequest:
    payment_id: PaymentId
    refund_id: RefundId
    provider_ref: str  # the payment's reference at the provider
    amount: Money
    reason: str
    idempotency_key: str


@attrs.frozen
class PayoutRequest:
    payout_id: UUID
    account_id: UUID
    amount: Money
    idempotency_key: str


class ProviderEventType(enum.StrEnum):
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_EXPIRED = "payment.expired"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"


@attrs.frozen
class ProviderEvent:
    """A verified webhook, in the platform's words. `id` is unique per provider."""

    id: str
    type: ProviderEventType
    provider_ref: str  # which checkout/payment at the provider
    payment_id: PaymentId | None = None  # ours, when the provider echoes it back
    refund_ref: str | None = None
    refund_id: RefundId | None = None
    amount: Money | None = None
    fee: Money | None = None
    reason: str = ""


class ProviderStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"


@attrs.frozen
class SavedMethodCharge:
    """Charge the payment method a payer saved at an earlier checkout, without them present.

    `mandate_ref` is that checkout's reference at the provider (the payment's `provider_ref`);
    the provider finds the saved method from it. `idempotency_key` is stored before the call,
    so a timeout followed by a retry charges once.
    """

    payment_id: PaymentId
    amount: Money
    description: str
    mandate_ref: str
    idempotency_key: str


@attrs.frozen
class ChargeOutcome:
    """What the provider answered to an off-session charge: SUCCEEDED or FAILED at once, or
    PENDING when the result comes later by webhook."""

    provider_ref: str
    status: ProviderStatus
    reason: str = ""


class PaymentProvider(Protocol):
    """A payment service (the sandbox, Stripe...). Every call that moves money carries an
    idempotency key stored before the call, so a timeout and a retry move it once."""

    @property
    def name(self) -> str: ...

    async def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    async def refund(self, request: RefundRequest) -> str:
        """Start a refund; returns the provider's reference. Its end comes as a webhook."""
        ...

    async def payout(self, request: PayoutRequest) -> str: ...

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> ProviderEvent:
        """Verify the signature on the raw body, then read it; raises InvalidWebhook."""
        ...

    async def fetch_status(self, provider_ref: str) -> ProviderStatus:
        """Ask the provider how a payment stands (reconciliation after lost webhooks)."""
        ...


@runtime_checkable
class OffSessionCharges(Protocol):
    """A provider that can charge a saved payment method without the payer (renewals).

    Optional: a provider without it still takes one-off payments on its hosted page, but
    plans that renew by themselves are unavailable on it.
    """

    async def charge_saved(self, request: SavedMethodCharge) -> ChargeOutcome: ...


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> None: ...

    async def get(self, payment_id: PaymentId) -> Payment: ...

    async def get_for_update(self, payment_id: PaymentId) -> Payment: ...

    async def find_by_provider_ref(self, provider: str, provider_ref: str) -> Payment | None:
        """Locked like get_for_update."""
        ...

    async def save(self, payment: Payment) -> None: ...

    async def due_to_expire(self, now: datetime, limit: int) -> list[PaymentId]:
        """Open payments whose time ran out, oldest first."""
        ...


class RefundRepository(Protocol):
    async def add(self, refund: Refund) -> None: ...

    async def get(self, refund_id: RefundId) -> Refund: ...

    async def find_by_provider_ref(self, provider_ref: str) -> Refund | None: ...

    async def for_payment(self, payment_id: PaymentId) -> list[Refund]: ...

    async def unsent(self, created_before: datetime, limit: int) -> list[Refund]:
        """Pending refunds that never got a provider reference, oldest first."""
        ...

    async def save(self, refund: Refund) -> None: ...


class PayoutRepository(Protocol):
    async def add(self, payout: Payout) -> None: ...

    async def get(self, payout_id: PayoutId) -> Payout: ...

    async def get_for_update(self, payout_id: PayoutId) -> Payout:
        """Load and lock: the first call and a resend of one payout book it once."""
        ...

    async def save(self, payout: Payout) -> None: ...

    async def unsent(self, created_before: datetime, limit: int) -> list[Payout]:
        """Pending payouts with a provider, made before `created_before`, oldest first: the
        ones whose provider call failed or never came back."""
        ...


class Ledger(Protocol):
    async def post(self, entry: JournalEntry) -> None: ...

    async def balances(self) -> Balances: ...


class ProviderEventLog(Protocol):
    async def claim(self, provider: str, event_id: str, received_at: datetime) -> bool:
        """Remember a webhook event; False when it was seen before (or is being handled by a
        concurrent twin, which this call waits for)."""
        ...


class PaymentsUnitOfWork(UnitOfWork, Protocol):
    payments: PaymentRepository
    refunds: RefundRepository
    payouts: PayoutRepository
    ledger: Ledger
    provider_events: ProviderEventLog
