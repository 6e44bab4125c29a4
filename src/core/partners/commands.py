"""Partner commands."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.partners.model import HOLD_TTL_DEFAULT, KeyScope


@attrs.frozen
class IssueKey:
    organiser_id: AccountId
    name: str
    scopes: frozenset[KeyScope]


@attrs.frozen
class RevokeKey:
    key_id: UUID
    actor_id: AccountId


@attrs.frozen
class PlaceHold:
    """`reference` is the partner's own order id: placing it again returns the same hold."""

    key_id: UUID
    event_id: UUID
    seats: int
    reference: str
    ttl: timedelta = HOLD_TTL_DEFAULT


@attrs.frozen
class SwitchPlugin:
    organiser_id: AccountId
    plugin: str
    active: bool
