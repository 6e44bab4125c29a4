"""Perks on SQL: the perks of the plans of an account's active subscriptions.

A subscription gives its plan's perks from its start (`anchor`) until `perks_until` (open
ended while a monthly plan renews); past due, cancelled or ended, it gives none.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.db.repository import SqlRepository
from adapters.db.subscriptions import perks_of_text
from core.shared.perks import Perk


class SqlPerks(SqlRepository):
    async def perks_of(self, account_id: UUID, at: datetime) -> frozenset[Perk]:
        rows = await self.db.fetch(
            "SELECT p.perks FROM subscriptions s JOIN plans p ON p.id = s.plan_id"
            " WHERE s.account_id = $1 AND s.status = 'active' AND s.anchor <= $2"
            " AND (s.perks_until IS NULL OR s.perks_until > $2)",
            account_id,
            at,
        )
        held: frozenset[Perk] = frozenset()
        for row in rows:
            held |= perks_of_text(row["perks"])
        return held
