"""Perks in memory: grants written straight into the store, for tests and library users.

Until an account has a subscription, a grant is the only way it holds a perk here; the
subscriptions context adds its own perks to what `perks_of` answers.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.memory.store import MemoryStore, _Repo
from core.shared.perks import Perk

TABLE = "perk_grants"


def grant_perk(store: MemoryStore, account_id: UUID, perk: Perk, until: datetime) -> None:
    """Let `account_id` hold `perk` until `until` (exclusive)."""
    store.table(TABLE)[(account_id, perk)] = until


class MemoryPerks(_Repo):
    table = TABLE

    async def perks_of(self, account_id: UUID, at: datetime) -> frozenset[Perk]:
        grants = self.tx.store.table(self.table)
        return frozenset(
            perk for (holder, perk), until in grants.items() if holder == account_id and at < until
        )
