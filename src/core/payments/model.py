"""Payments, refunds and payouts, and the state machine that keeps money honest.

A payment moves created → pending → succeeded | failed | expired; a succeeded one may then
be partly or fully refunded. Providers deliver their news at least once and in any order, so
every transition here is idempotent and order-insensitive: a success always wins over a
failure or an expiry that was recorded before it (the money was taken, so it must be
accounted for and, if the order is gone, refunded), and nothing moves a payment back.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NewType, TypedDict
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.payments import events
from core.shared.errors import Conflict, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money

PaymentId = NewType("PaymentId", UUID)
RefundId = NewType("RefundId", UUID)
PayoutId = NewType("PayoutId", UUID)


class Purpose(enum.StrEnum):
    """What a payment pays for; the domain that owns `reference_id` reacts to its events."""

    BOOKING = "booking"
    RESALE = "resale"
    SUBSCRIPTION = "subscription"
    BILLING = "billing"
    """An organiser's invoice for a conference's participant tier."""


class PaymentStatus(enum.StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


CAPTURED = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)
OPEN = frozenset({PaymentStatus.CREATED, PaymentStatus.PENDING})


class _Facts(TypedDict):
    """What every payment event says about its payment."""

    event_id: UUID
    occurred_at: datetime
    payment_id: UUID
    purpose: str
    reference_id: UUID
    payer_id: UUID


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


@attrs.define
class Refund:
    """Money going back to the payer; `idempotency_key` is what the provider call carries."""

    id: RefundId
    payment_id: PaymentId
    amount: Money
    reason: str
    created_at: datetime
    idempotency_key: str
    status: RefundStatus = RefundStatus.PENDING
    provider_ref: str | None = None
    settled_at: datetime | None = None


@attrs.define
class Payment(Aggregate):
    """One attempt to take `amount` from `payer_id` through `provider`."""

    id: PaymentId
    payer_id: AccountId
    amount: Money
    purpose: Purpose
    reference_id: UUID
    provider: str
    description: str
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    status: PaymentStatus = PaymentStatus.CREATED
    provider_ref: str | None = None
    redirect_url: str | None = None
    captured: int = 0  # minor units of `amount.currency`
    refunded: int = 0
    refund_pending: int = 0
    fee: int = 0
    failure_reason: str | None = None
    succeeded_at: datetime | None = None

    @classmethod
    def create(
        cls,
        payer_id: AccountId,
        amount: Money,
        purpose: Purpose,
        reference_id: UUID,
        provider: str,
        description: str,
        now: datetime,
        expires_at: datetime,
    ) -> Payment:
        if amount.amount <= 0:
            raise ValidationFailed("a payment takes a positive amount", field="amount")
        if expires_at <= now:
            raise ValidationFailed("a payment must expire in the future", field="expires_at")
        return cls(
            id=PaymentId(uuid7(now)),
            payer_id=payer_id,
            amount=amount,
            purpose=purpose,
            reference_id=reference_id,
            provider=provider,
            description=description[:200],
            created_at=now,
            expires_at=expires_at,
            updated_at=now,
        )

    @property
    def idempotency_key(self) -> str:
        """Carried by the call that opens the checkout: a retried call opens the same one."""
        return f"stagedoor-payment-{self.id}"

    @property
    def refundable(self) -> Money:
        return Money(self.captured - self.refunded - self.refund_pending, self.amount.currency)

    def _facts(self, now: datetime) -> _Facts:
        return {
            "event_id": uuid7(now),
            "occurred_at": now,
            "payment_id": self.id,
            "purpose": self.purpose.value,
            "reference_id": self.reference_id,
            "payer_id": self.payer_id,
        }

    def open(self, provider_ref: str, redirect_url: str, now: datetime) -> None:
        """The provider opened its checkout for us; the payer may now be sent there."""
        self.attach(provider_ref, now, what="checkout")
        self.redirect_url = redirect_url

    def attach(self, provider_ref: str, now: datetime, *, what: str = "charge") -> None:
        """The provider took the payment up (a checkout, or a charge made without a page)."""
        if self.provider_ref not in (None, provider_ref):
            raise Conflict(f"this payment already has another {what} at the provider")
        self.provider_ref = provider_ref
        if self.status is PaymentStatus.CREATED:
            self.status = PaymentStatus.PENDING
        self.updated_at = now

    def succeed(self, now: datetime, *, fee: Money | None = None) -> bool:
        """The provider took the money; False when that was already known."""
        if self.status in CAPTURED:
            return False
        late = self.status in (PaymentStatus.EXPIRED, PaymentStatus.FAILED)
        self.status = PaymentStatus.SUCCEEDED
        self.captured = self.amount.amount
        self.fee = 0 if fee is None else self._same(fee).amount
        self.succeeded_at = self.updated_at = now
        self.record(events.PaymentSucceeded(**self._facts(now), amount=self.amount, late=late))
        return True

    def fail(self, reason: str, now: datetime) -> bool:
        """The payer's attempt was declined; ignored once the money was taken."""
        if self.status not in OPEN:
            return False
        self.status, self.failure_reason, self.updated_at = PaymentStatus.FAILED, reason, now
        self.record(events.PaymentFailed(**self._facts(now), reason=reason))
        return True

    def expire(self, now: datetime) -> bool:
        """Nobody paid in time; a later success still counts (and is refunded if need be)."""
        if self.status not in OPEN or now < self.expires_at:
            return False
        self.status, self.updated_at = PaymentStatus.EXPIRED, now
        self.record(events.PaymentExpired(**self._facts(now)))
        return True

    def _same(self, money: Money) -> Money:
        if money.currency != self.amount.currency:
            raise ValidationFailed(f"this payment is in {self.amount.currency}", field="currency")
        return money

    def request_refund(
        self, amount: Money | None, reason: str, now: datetime, *, key: str | None = None
    ) -> Refund:
        """Start giving money back; never more than was taken and not yet given back."""
        if self.status not in CAPTURED:
            raise Conflict("only a payment that succeeded can be refunded")
        wanted = self.refundable if amount is None else self._same(amount)
        if wanted.amount <= 0:
            raise Conflict("nothing is left to refund on this payment")
        if wanted.amount > self.refundable.amount:
            raise Conflict(f"at most {self.refundable} can still be refunded")
        self.refund_pending += wanted.amount
        self.updated_at = now
        refund_id = RefundId(uuid7(now))
        return Refund(
            id=refund_id,
            payment_id=self.id,
            amount=wanted,
            reason=reason[:200],
            created_at=now,
            idempotency_key=key or f"stagedoor-refund-{refund_id}",
        )

    def settle_refund(self, refund: Refund, succeeded: bool, now: datetime) -> bool:
        """The provider says how a refund ended; False when that was already known."""
        if refund.payment_id != self.id:
            raise ValidationFailed("the refund belongs to another payment")
        if refund.status is not RefundStatus.PENDING:
            return False
        refund.status = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
        refund.settled_at = self.updated_at = now
        self.refund_pending -= refund.amount.amount
        if succeeded:
            self.refunded += refund.amount.amount
            full = self.refunded >= self.captured
            self.status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
            self.record(
                events.RefundSucceeded(
                    **self._facts(now),
                    refund_id=refund.id,
                    amount=refund.amount,
                    fully_refunded=full,
                    reason=refund.reason,
                )
            )
        return True


@attrs.define
class Payout(Aggregate):
    """Money sent from the platform's provider balance to an account (a resale seller)."""

    id: PayoutId
    account_id: AccountId
    amount: Money
    reason: str
    created_at: datetime
    idempotency_key: str
    status: PayoutStatus = PayoutStatus.PENDING
    provider_ref: str | None = None
    settled_at: datetime | None = None
    provider: str = ""
    """The provider it is sent through, so that a payout whose call failed can be resent."""

    @classmethod
    def create(
        cls,
        account_id: AccountId,
        amount: Money,
        reason: str,
        now: datetime,
        provider: str = "",
    ) -> Payout:
        if amount.amount <= 0:
            raise ValidationFailed("a payout sends a positive amount", field="amount")
        payout_id = PayoutId(uuid7(now))
        return cls(
            id=payout_id,
            account_id=account_id,
            amount=amount,
            reason=reason[:200],
            created_at=now,
            idempotency_key=f"stagedoor-payout-{payout_id}",
            provider=provider,
        )

    def mark_failed(self, now: datetime) -> bool:
        """The provider refused it outright: it stays owed to the account, for a person to
        look at. False when it was already paid or failed."""
        if self.status is not PayoutStatus.PENDING:
            return False
        self.status, self.settled_at = PayoutStatus.FAILED, now
        return True

    def mark_paid(self, provider_ref: str, now: datetime) -> bool:
        """The provider sent it; False when that was already known."""
        if self.status is PayoutStatus.PAID:
            return False
        self.status, self.provider_ref, self.settled_at = PayoutStatus.PAID, provider_ref, now
        return True
