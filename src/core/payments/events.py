"""Payment domain events: what the domain that owns the paid-for thing reacts to."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.shared.events import DomainEvent
from core.shared.money import Money


@attrs.frozen(kw_only=True)
class _PaymentEvent(DomainEvent):
    payment_id: UUID
    purpose: str
    reference_id: UUID
    payer_id: UUID


@attrs.frozen(kw_only=True)
class PaymentSucceeded(_PaymentEvent):
    """The money was taken; `late` when the payment had already failed or expired here."""

    name = "payment.succeeded"
    amount: Money
    late: bool = False


@attrs.frozen(kw_only=True)
class PaymentFailed(_PaymentEvent):
    name = "payment.failed"
    reason: str


@attrs.frozen(kw_only=True)
class PaymentExpired(_PaymentEvent):
    name = "payment.expired"


@attrs.frozen(kw_only=True)
class RefundSucceeded(_PaymentEvent):
    name = "refund.succeeded"
    refund_id: UUID
    amount: Money
    fully_refunded: bool
    reason: str


EVENTS: tuple[type[DomainEvent], ...] = (
    PaymentSucceeded,
    PaymentFailed,
    PaymentExpired,
    RefundSucceeded,
)
