"""A charge: one amount owed for a subscription (its start, one renewal per period, the
difference of a plan change), paid by one payment attempt at a time.

A new attempt is made only once the last one is known to have failed, so a charge (and so a
period) is never paid twice; see `core.subscriptions.charges` for how attempts are made and
settled.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, NewType
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.payments.model import Payment, PaymentId, Purpose
from core.shared.errors import Conflict, ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money
from core.subscriptions.plans import Plan, PlanId

if TYPE_CHECKING:
    from core.subscriptions.model import Subscription, SubscriptionId

ChargeId = NewType("ChargeId", UUID)


class ChargeKind(enum.StrEnum):
    START = "start"
    RENEWAL = "renewal"
    UPGRADE = "upgrade"


class ChargeStatus(enum.StrEnum):
    OPEN = "open"
    """Owed: an attempt is on its way, or the next one is scheduled."""
    PAID = "paid"
    FAILED = "failed"
    """Given up: a start or an upgrade that was declined."""
    VOID = "void"
    """No longer owed (the subscription ended first); a late capture is refunded."""


@attrs.define
class Charge:
    """One amount owed for a subscription, paid by one payment attempt at a time."""

    id: ChargeId
    subscription_id: SubscriptionId
    payer_id: AccountId
    kind: ChargeKind
    plan_id: PlanId
    amount: Money
    created_at: datetime
    period_start: datetime | None = None
    status: ChargeStatus = ChargeStatus.OPEN
    attempts: int = 0
    failures: int = 0
    via_checkout: bool = False
    payment_id: PaymentId | None = None
    failure_reason: str | None = None
    settled_at: datetime | None = None

    @classmethod
    def open(
        cls,
        subscription: Subscription,
        kind: ChargeKind,
        plan: Plan,
        amount: Money,
        now: datetime,
        *,
        period_start: datetime | None = None,
    ) -> Charge:
        if amount.amount <= 0:
            raise ValidationFailed("a charge takes a positive amount", field="amount")
        return cls(
            id=ChargeId(uuid7(now)),
            subscription_id=subscription.id,
            payer_id=subscription.account_id,
            kind=kind,
            plan_id=plan.id,
            amount=amount,
            created_at=now,
            period_start=period_start,
        )

    def attempt(
        self,
        provider: str,
        description: str,
        now: datetime,
        expires_at: datetime,
        *,
        via_checkout: bool = False,
    ) -> Payment:
        """A new payment for this charge: on a hosted page, or off-session from the saved
        method. The caller makes sure the last attempt can no longer succeed."""
        if self.status is not ChargeStatus.OPEN:
            raise Conflict(f"this charge is {self.status}; nothing is owed on it")
        payment = Payment.create(
            self.payer_id,
            self.amount,
            Purpose.SUBSCRIPTION,
            self.id,
            provider,
            description,
            now,
            expires_at,
        )
        self.payment_id = payment.id
        self.attempts += 1
        self.via_checkout = via_checkout
        return payment

    def note_failure(self, reason: str) -> bool:
        """The current attempt failed; False when that was already counted."""
        if self.failures >= self.attempts:
            return False
        self.failures, self.failure_reason = self.attempts, reason
        return True

    def pay(self, payment_id: PaymentId, now: datetime, period_start: datetime) -> None:
        self.status, self.payment_id, self.settled_at = ChargeStatus.PAID, payment_id, now
        self.period_start = self.period_start or period_start
        self.failure_reason = None

    def fail(self, reason: str, now: datetime) -> None:
        self.status, self.failure_reason, self.settled_at = ChargeStatus.FAILED, reason, now

    def void(self, now: datetime) -> None:
        if self.status is ChargeStatus.OPEN:
            self.status, self.settled_at = ChargeStatus.VOID, now
