"""Partner domain events: what happened to seats a partner platform held."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class _HoldEvent(DomainEvent):
    hold_id: UUID
    key_id: UUID
    partner: str  # the key's name: which partner platform
    organiser_id: UUID
    live_event_id: UUID
    seats: int
    reference: str  # the partner's own id for its order


@attrs.frozen(kw_only=True)
class PartnerHoldPlaced(_HoldEvent):
    name = "partner.hold_placed"


@attrs.frozen(kw_only=True)
class PartnerHoldConfirmed(_HoldEvent):
    """The partner sold the held seats: they count as sold for good."""

    name = "partner.hold_confirmed"


@attrs.frozen(kw_only=True)
class PartnerHoldReleased(_HoldEvent):
    """The seats went back: released by the partner (`reason` "released") or lapsed
    ("expired")."""

    name = "partner.hold_released"
    reason: str


EVENTS: tuple[type[DomainEvent], ...] = (
    PartnerHoldPlaced,
    PartnerHoldConfirmed,
    PartnerHoldReleased,
)
