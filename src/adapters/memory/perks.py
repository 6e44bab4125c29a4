"""Perks in memory: from the store's active subscriptions, and from grants written straight
into the store (`grant_perk`, for tests and library users who hold perks without a plan)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.memory.store import MemoryStore, _Repo
from core.shared.perks import Perk
from core.subscriptions.model import Subscription, SubscriptionStatus

TABLE = "perk_grants"


def grant_perk(store: MemoryStore, account_id: UUID, perk: Perk, until: datetime) -> None:
    """Let `account_id` hold `perk` until `until` (exclusive)."""
    store.table(TABLE)[(account_id, perk)] = until


def holds_perks(subscription: Subscription, at: datetime) -> bool:
    """An active subscription gives its plan's perks from its start to `perks_until`."""
    return (
        subscription.status is SubscriptionStatus.ACTIVE
        and subscription.anchor is not None
        and subscription.anchor <= at
        and (subscription.perks_until is None or at < subscription.perks_until)
    )


class MemoryPerks(_Repo):
    table = TABLE

    async def perks_of(self, account_id: UUID, at: datetime) -> frozenset[Perk]:
        grants = self.tx.store.table(self.table)
        held = {
            perk for (holder, perk), until in grants.items() if holder == account_id and at < until
        }
        for subscription in self.tx.rows("subscriptions"):
            if subscription.account_id == account_id and holds_perks(subscription, at):
                held |= self.tx.get("plans", subscription.plan_id).perks
        return frozenset(held)
