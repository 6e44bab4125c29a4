"""What subscribers and organisers ask of subscriptions."""

from __future__ import annotations

import attrs

from core.identity.model import AccountId
from core.subscriptions.model import SubscriptionId
from core.subscriptions.plans import PlanId


@attrs.frozen
class Subscribe:
    """Take `plan_id`; `idempotency_key` makes a retried request start one subscription."""

    account_id: AccountId
    plan_id: PlanId
    idempotency_key: str | None = None


@attrs.frozen
class CancelSubscription:
    """End it now (the unused time is refunded) or, `at_period_end`, when the paid time ends."""

    subscription_id: SubscriptionId
    actor_id: AccountId
    at_period_end: bool = False


@attrs.frozen
class ChangePlan:
    """Move to another monthly plan now: the difference for the rest of the period is
    charged (a dearer plan) or refunded (a cheaper one)."""

    subscription_id: SubscriptionId
    actor_id: AccountId
    plan_id: PlanId
