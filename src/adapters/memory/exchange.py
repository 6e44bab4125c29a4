"""An availability exchange that keeps what it is pushed: for tests and plugin authors."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import attrs

from core.partners.api import AvailabilityUpdate, PartnerOffer


@attrs.define
class MemoryExchange:
    """Records pushes; `fail_next` makes the next pushes raise, as a partner that is down."""

    pushed: list[AvailabilityUpdate] = attrs.field(factory=list)
    offers: list[PartnerOffer] = attrs.field(factory=list)
    fail_next: int = 0
    attempts: int = 0

    async def push(self, update: AvailabilityUpdate) -> None:
        self.attempts += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            raise ConnectionError("the partner is down (simulated)")
        self.pushed.append(update)

    async def pull(self, organiser_id: UUID) -> Sequence[PartnerOffer]:
        return list(self.offers)
