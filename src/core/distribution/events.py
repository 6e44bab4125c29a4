"""Distribution domain events: what the live dashboard and follow-ups react to."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class PackDelivered(DomainEvent):
    """A participant got their pack; `assigned_point_id` differs when served elsewhere."""

    name = "distribution.pack_delivered"
    conference_id: UUID
    participant_id: UUID
    point_id: UUID
    assigned_point_id: UUID | None


@attrs.frozen(kw_only=True)
class RosterChanged(DomainEvent):
    """Points, stock, participants or their assignments changed: live views refresh."""

    name = "distribution.roster_changed"
    conference_id: UUID
    what: str


EVENTS: tuple[type[DomainEvent], ...] = (PackDelivered, RosterChanged)
