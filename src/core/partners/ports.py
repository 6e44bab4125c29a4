"""What the partners domain needs from storage: keys, holds, activations, plugin data,
deliveries owed to partners, their breakers, and the problems plugins ran into."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from core.booking.model import Event
from core.booking.ports import EventRepository, SeatCounter
from core.identity.model import AccountId
from core.identity.ports import AccountRepository
from core.partners.circuit import Circuit, Delivery
from core.partners.model import PartnerHold, PartnerKey, PluginActivation
from core.shared.idempotency import IdempotencyStore
from core.shared.paging import Page, PageRequest


class PartnerKeyRepository(Protocol):
    async def add(self, key: PartnerKey) -> None: ...

    async def get(self, key_id: UUID) -> PartnerKey: ...

    async def find_by_hash(self, key_hash: str) -> PartnerKey | None: ...

    async def list_for(self, organiser_id: AccountId) -> list[PartnerKey]:
        """Newest first, revoked ones included."""
        ...

    async def save(self, key: PartnerKey) -> None: ...


class PartnerHoldRepository(Protocol):
    async def add(self, hold: PartnerHold) -> None: ...

    async def get(self, hold_id: UUID) -> PartnerHold: ...

    async def find(self, key_id: UUID, reference: str) -> PartnerHold | None: ...

    async def save(self, hold: PartnerHold) -> None: ...

    async def due_to_expire(self, now: datetime, limit: int) -> list[UUID]:
        """Held holds whose time ran out, oldest first."""
        ...


class ActivationRepository(Protocol):
    async def put(self, activation: PluginActivation) -> None:
        """Store (or replace) the organiser's switch for the plugin."""
        ...

    async def active(self, organiser_id: AccountId) -> frozenset[str]:
        """The plugins the organiser switched on."""
        ...


class PluginData(Protocol):
    """Every plugin's key-value pairs, each plugin in its own namespace."""

    async def get(self, plugin: str, key: str) -> str | None: ...

    async def put(self, plugin: str, key: str, value: str, now: datetime) -> None: ...

    async def take(self, plugin: str, key: str) -> str | None:
        """Delete the pair and return its value, atomically: two takers never both get it."""
        ...

    async def delete(self, plugin: str, key: str) -> bool: ...

    async def items(self, plugin: str, prefix: str, limit: int) -> list[tuple[str, str]]: ...


class DeliveryQueue(Protocol):
    async def owe(self, delivery: Delivery) -> None:
        """Add the delivery, or bump the revision of the one owed for its (exchange, event)."""
        ...

    async def lease_due(
        self, exchange: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        """Owed deliveries due by `now`, oldest first, pushed to `until` so that a parallel
        worker skips them."""
        ...

    async def settle(self, delivery: Delivery) -> None:
        """Store an attempt's outcome (attempts, last error, next attempt, delivered_at).
        `delivered_at` is kept only while the stored revision is still the delivery's: a
        change that came in during the push leaves it owed, due at `next_attempt_at`."""
        ...

    async def get(self, delivery_id: UUID) -> Delivery: ...


class CircuitRepository(Protocol):
    async def get_for_update(self, exchange: str) -> Circuit:
        """The exchange's breaker (a closed one if never stored), locked."""
        ...

    async def save(self, circuit: Circuit) -> None: ...


@attrs.frozen
class PluginProblem:
    """How often a plugin failed at one kind of thing (`handler`, `notifier`, `exchange`,
    `route`) and what went wrong last."""

    plugin: str
    kind: str
    count: int
    last_error: str
    last_at: datetime


class ProblemLog(Protocol):
    async def record(self, plugin: str, kind: str, error: str, now: datetime) -> None: ...

    async def all(self) -> list[PluginProblem]: ...


class OrganiserEvents(Protocol):
    async def listed(
        self, organiser_id: AccountId, since: datetime, page: PageRequest
    ) -> Page[Event]:
        """The organiser's public events starting at or after `since` (cancelled ones too),
        by start time then id."""
        ...


class PartnersUnitOfWork(SeatCounter, Protocol):
    events: EventRepository
    accounts: AccountRepository
    idempotency: IdempotencyStore
    partner_keys: PartnerKeyRepository
    partner_holds: PartnerHoldRepository
    plugin_activations: ActivationRepository
    plugin_data: PluginData
    partner_deliveries: DeliveryQueue
    partner_circuits: CircuitRepository
    plugin_problems: ProblemLog
    organiser_events: OrganiserEvents
