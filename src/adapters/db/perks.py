"""Perks on SQL.

Perks come from subscriptions; a database without the subscriptions tables has nobody
holding one, which is what this reader answers until the subscriptions context replaces it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.db.repository import SqlRepository
from core.shared.perks import Perk


class SqlPerks(SqlRepository):
    async def perks_of(self, account_id: UUID, at: datetime) -> frozenset[Perk]:
        return frozenset()
