"""Perks: what a subscription gives its holder, read by the domains that honour them.

Subscriptions grant perks; booking (early access, waiting-list priority) and resale (no
platform fee) only ask whether an account holds one at a moment. They ask through
`PerkReader`, a repository on their unit of work, so the answer is read in the same
transaction as the write it decides.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.shared.uow import UnitOfWork


class Perk(enum.StrEnum):
    EARLY_ACCESS = "early_access"
    """Book an event before its public sale opens."""
    NO_RESALE_FEE = "no_resale_fee"
    """Sell on the resale market without the platform fee."""
    WAITLIST_PRIORITY = "waitlist_priority"
    """Be offered freed seats before other people on a waiting list."""


class PerkReader(Protocol):
    async def perks_of(self, account_id: UUID, at: datetime) -> frozenset[Perk]:
        """The perks `account_id` holds at `at` (empty when none)."""
        ...


class PerksUnitOfWork(UnitOfWork, Protocol):
    perks: PerkReader
