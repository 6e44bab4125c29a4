"""Subscription and billing events: each step a subscriber or an organiser is told about."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from core.shared.events import DomainEvent
from core.shared.money import Money


@attrs.frozen(kw_only=True)
class _SubscriptionEvent(DomainEvent):
    subscription_id: UUID
    account_id: UUID
    plan_name: str


@attrs.frozen(kw_only=True)
class SubscriptionActivated(_SubscriptionEvent):
    """The first payment came through; `period_end` is when it renews or runs out."""

    name = "subscription.activated"
    period_end: datetime
    renews: bool


@attrs.frozen(kw_only=True)
class SubscriptionCharged(_SubscriptionEvent):
    """A payment for the subscription was taken: the receipt."""

    name = "subscription.charged"
    charge_id: UUID
    payment_id: UUID
    kind: str
    amount: Money
    period_start: datetime
    period_end: datetime


@attrs.frozen(kw_only=True)
class RenewalFailed(_SubscriptionEvent):
    """An attempt to renew failed; `retry_at` is the next attempt."""

    name = "subscription.renewal_failed"
    charge_id: UUID
    amount: Money
    attempt: int
    reason: str
    retry_at: datetime


@attrs.frozen(kw_only=True)
class SubscriptionPastDue(_SubscriptionEvent):
    """Every retry failed: perks pause until the subscriber pays; cancelled at `cancel_at`."""

    name = "subscription.past_due"
    charge_id: UUID
    amount: Money
    cancel_at: datetime


@attrs.frozen(kw_only=True)
class CancellationScheduled(_SubscriptionEvent):
    """It will end at `ends_at` and not renew; `undone` when the subscriber took that back."""

    name = "subscription.cancellation_scheduled"
    ends_at: datetime
    undone: bool = False


@attrs.frozen(kw_only=True)
class SubscriptionCancelled(_SubscriptionEvent):
    """Ended before its time: by the subscriber (`refund` of the unused time) or unpaid."""

    name = "subscription.cancelled"
    reason: str
    refund: Money | None = None


@attrs.frozen(kw_only=True)
class SubscriptionEnded(_SubscriptionEvent):
    """Ran its course: a pass's days are over, or a cancellation at period end came due."""

    name = "subscription.ended"


@attrs.frozen(kw_only=True)
class PlanChanged(_SubscriptionEvent):
    """Moved to `plan_name` from `previous_plan`; `difference` charged (+) or refunded (-)."""

    name = "subscription.plan_changed"
    previous_plan: str
    difference: Money


@attrs.frozen(kw_only=True)
class PlanChangeDeclined(_SubscriptionEvent):
    """The charge for a dearer plan was declined: the subscription stays as it was."""

    name = "subscription.plan_change_declined"
    wanted_plan: str
    reason: str


@attrs.frozen(kw_only=True)
class _InvoiceEvent(DomainEvent):
    invoice_id: UUID
    conference_id: UUID
    organiser_id: UUID
    conference_title: str
    tier_name: str
    participants: int
    amount: Money


@attrs.frozen(kw_only=True)
class InvoiceIssued(_InvoiceEvent):
    """A conference outgrew what was paid for it; `amount` is the difference to pay."""

    name = "billing.invoice_issued"


@attrs.frozen(kw_only=True)
class InvoicePaid(_InvoiceEvent):
    """The organiser paid an invoice: the receipt."""

    name = "billing.invoice_paid"
    payment_id: UUID


EVENTS: tuple[type[DomainEvent], ...] = (
    SubscriptionActivated,
    SubscriptionCharged,
    RenewalFailed,
    SubscriptionPastDue,
    CancellationScheduled,
    SubscriptionCancelled,
    SubscriptionEnded,
    PlanChanged,
    PlanChangeDeclined,
    InvoiceIssued,
    InvoicePaid,
)
